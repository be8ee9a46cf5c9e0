// Compiles entry points, and every project file they import, to JavaScript
// for an image's app layer, keeping the repository's layout (operator/src/…,
// simulator/bin/…). The images run this JavaScript: Node.js loads it without
// type stripping, which saves memory and start-up time in every process.
//
//   node images/compile.ts OUT_DIR operator/bin/operator.ts [more entry points]
//
// The workspaces' package.json files are copied with their `exports` and `bin`
// pointing at .js files and without development fields.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const [outDir, ...entries] = process.argv.slice(2);
if (!outDir || entries.length === 0) {
  console.error('usage: node images/compile.ts OUT_DIR ENTRY.ts [ENTRY.ts ...]');
  process.exit(2);
}

// Imports of another workspace (`@shelfpulse/operator/api/…`) resolve through
// node_modules, and TypeScript emits nothing it found there: map them to the
// workspace's sources instead, as its package.json `exports` does at run time.
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
const paths: Record<string, string[]> = {};
for (const dir of rootManifest.workspaces) {
  const { name, exports } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
    name: string;
    exports?: Record<string, string>;
  };
  for (const [subpath, target] of Object.entries(exports ?? {})) {
    paths[join(name, subpath)] = [join(root, dir, target)];
  }
}

const configFile = ts.readConfigFile(join(root, 'tsconfig.base.json'), (path) => ts.sys.readFile(path));
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const program = ts.createProgram(
  entries.map((entry) => resolve(root, entry)),
  {
    ...options,
    noEmit: false,
    rootDir: root,
    outDir: resolve(outDir),
    // Relative imports name .ts files; the emitted ones must name .js.
    rewriteRelativeImportExtensions: true,
    paths,
    sourceMap: false,
    declaration: false,
    removeComments: true,
  },
);
const result = program.emit();
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
if (diagnostics.length > 0) {
  const host = {
    getCanonicalFileName: (f: string) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  };
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}

// The workspaces whose files were emitted, plus the root, get their package.json.
const workspaces = new Set(
  program
    .getSourceFiles()
    .map((file) => relative(root, file.fileName))
    .filter((path) => !path.startsWith('..') && !path.includes('node_modules'))
    .map((path) => path.split('/')[0]!),
);
const toJs = (value: unknown): unknown =>
  typeof value === 'string'
    ? value.replace(/\.ts$/, '.js')
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJs(v)]))
      : value;
for (const dir of ['', ...workspaces]) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const { name, version, type, exports, bin, dependencies } = manifest;
  const target = join(outDir, dir, 'package.json');
  mkdirSync(dirname(target), { recursive: true });
  const shipped = {
    name,
    version,
    private: true,
    type,
    exports: toJs(exports),
    bin: toJs(bin),
    dependencies,
  };
  writeFileSync(target, `${JSON.stringify(shipped, null, 2)}\n`);
}
