// The environment must never leave servers behind: not after a clean stop, and
// not when the process that owns it is killed outright (SIGKILL).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

function serversOf(workDir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(workDir) && !line.includes('cli.ts'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('test environment lifecycle', () => {
  it('leaves no server running when its owner is killed with SIGKILL', async () => {
    const owner = spawn(process.execPath, [cli], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    owner.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const workDir = await waitFor(() => /data and logs\s+(\S+)/.exec(output)?.[1], 60_000);
    const servers = serversOf(workDir);
    expect(servers.length).toBeGreaterThanOrEqual(3); // etcd, kube-apiserver, influxd (+ controller manager)

    owner.kill('SIGKILL');
    await waitFor(() => (serversOf(workDir).length === 0 ? true : undefined), 10_000);
    expect(serversOf(workDir)).toEqual([]);
  });

  it('stops every server and removes its data on SIGTERM', async () => {
    const owner = spawn(process.execPath, [cli], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    owner.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const workDir = await waitFor(() => /data and logs\s+(\S+)/.exec(output)?.[1], 60_000);
    owner.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => owner.once('exit', resolve));
    expect(code).toBe(0);
    expect(serversOf(workDir)).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  });
});
