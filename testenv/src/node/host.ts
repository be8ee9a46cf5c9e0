// Small wrappers over the host tools the test node needs (ip, nsenter,
// mount), so that every command that changes the host is easy to find.
import { execFileSync } from 'node:child_process';

/** Runs a command and returns its output; throws with its stderr on failure. */
export function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || String(error)}`, {
      cause: error,
    });
  }
}

/** Like run, for clean-up steps whose target may already be gone. */
export function tryRun(command: string, args: string[]): boolean {
  try {
    run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Mount points at or below `prefix`, deepest first (the order to unmount them). */
export function mountsUnder(prefix: string): string[] {
  const mountinfo = run('cat', ['/proc/self/mountinfo']);
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter(
      (point): point is string => point !== undefined && (point === prefix || point.startsWith(`${prefix}/`)),
    )
    // mountinfo escapes spaces and the like as octal.
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    );
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export function unmountAll(prefix: string): void {
  for (const point of mountsUnder(prefix)) tryRun('umount', ['--lazy', point]);
}
