// --help and --version, answered the same way by every entry point (operator,
// bridge, shelf-sim, device-cloud) before it reads any configuration, so that
// neither flag ever starts anything: usage or "<name> <version>" on stdout, exit 0.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface EntryPoint {
  /** The command's name, as in the package's "bin". */
  name: string;
  /** The usage text; it lists -h, --help and --version like every other flag. */
  usage: string;
  /** The package.json whose version the command reports. */
  packageJson: URL;
}

/** The version in a package.json (what --version prints, and user agents carry). */
export function packageVersion(packageJson: URL): string {
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  return version;
}

/** The text to print when argv asks for help or the version; undefined otherwise. */
export function helpOrVersion(argv: readonly string[], entry: EntryPoint): string | undefined {
  // Not strict: the command's own flags are checked later, by its own parser.
  const { values } = parseArgs({
    args: [...argv],
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
  });
  if (values.help === true) return `${entry.usage.trimEnd()}\n`;
  if (values.version === true) return `${entry.name} ${packageVersion(entry.packageJson)}\n`;
  return undefined;
}

/** Answers --help or --version and exits; returns when argv asks for neither. */
export function exitOnHelpOrVersion(entry: EntryPoint, argv = process.argv.slice(2)): void {
  const text = helpOrVersion(argv, entry);
  if (text === undefined) return;
  // stdout is synchronous for files, pipes and terminals on Linux: nothing is cut off.
  process.stdout.write(text);
  process.exit(0);
}
