// `make demo` is the first thing a person runs: it must show real figures read
// back from InfluxDB, redraw them in place on a terminal, print no warning the
// person cannot act on, and Ctrl-C must stop every process it started.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../../demo.ts', import.meta.url));

function processesUnder(dir: string): string[] {
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(dir));
}

describe('make demo', () => {
  it('shows per-product interactions from InfluxDB and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [demo], {
      env: { ...process.env, DEMO_SHELVES: '10', DEMO_SPEEDUP: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    // Wait until a table shows pick-ups for some product.
    const deadline = Date.now() + 90_000;
    const pickups = (): number => {
      const rows = [...output.matchAll(/^(\S+)\s+(eye-level|top|waist|low|end-cap)\s+(\d+)\s+(\d+)/gm)];
      return rows.reduce((sum, row) => Math.max(sum, Number(row[3])), 0);
    };
    while (pickups() === 0 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(output).toMatch(/ShelfPulse demo: 10 simulated shelves/);
    expect(pickups()).toBeGreaterThan(0);
    expect(output).not.toMatch(/Warning/);
    expect(output).not.toContain('\x1b[');
    const workDir = /logs\s+(\S+)/.exec(output)?.[1];
    expect(workDir).toMatch(/shelfpulse-demo-/);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped cleanly.');
    expect(processesUnder(workDir!)).toEqual([]);
  });

  it('redraws the table in place on a terminal, and stops on Ctrl-C typed there', async () => {
    // `script` gives the demo a pseudo-terminal, as a person's terminal would.
    // It runs the command through $SHELL (or /bin/sh, dash on Debian); `exec`
    // makes the demo itself the terminal's foreground process, as when a person
    // types `make demo`. Otherwise a shell that waits for it also gets the Ctrl-C,
    // and dash then ends by SIGINT (exit 130) whatever the demo did.
    const child = spawn('script', ['-qfec', `exec ${process.execPath} ${demo}`, '/dev/null'], {
      env: { ...process.env, SHELL: '/bin/sh', DEMO_SHELVES: '4', DEMO_SPEEDUP: '120' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const frames = (): string[] => output.split('\x1b[2J\x1b[H').slice(1);

    try {
      const deadline = Date.now() + 90_000;
      while (frames().length < 3 && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 500));
      }
      // Every frame is the whole view drawn from the top of the cleared screen: one table each.
      expect(frames().length).toBeGreaterThanOrEqual(3);
      for (const frame of frames().slice(0, -1)) {
        expect(frame.match(/^product +position +pick-ups/gm)).toHaveLength(1);
        expect(frame).toContain('Ctrl-C stops everything.');
      }
      expect(output).not.toMatch(/Warning/);
      const workDir = /logs\s+(\S+)/.exec(output)?.[1];
      expect(workDir).toMatch(/shelfpulse-demo-/);
    } finally {
      // A failed expectation must not leave the demo's processes running.
      if (child.exitCode === null) child.stdin.write('\x03');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('stopped cleanly.');
    expect(processesUnder(/logs\s+(\S+)/.exec(output)![1]!)).toEqual([]);
  });
});
