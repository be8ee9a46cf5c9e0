// `make demo` is the first thing a person runs: it must show real figures read
// back from InfluxDB, and Ctrl-C must stop every process it started.
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
    const workDir = /logs\s+(\S+)/.exec(output)?.[1];
    expect(workDir).toMatch(/shelfpulse-demo-/);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopped cleanly.');
    expect(processesUnder(workDir!)).toEqual([]);
  });
});
