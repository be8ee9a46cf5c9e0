// Every entry point answers --help and --version the same way and never starts:
// each is given what it needs to start and run until stopped, so an entry point
// that ignored the flag would not exit (and the spawn's deadline would fail it).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'entry-points-'));
const bridgeConfig = join(dir, 'bridge.yaml');
writeFileSync(bridgeConfig, 'sinks:\n  - { name: main, url: "http://127.0.0.1:9", database: shelfpulse }\n');
const version = (pkg: string) =>
  (JSON.parse(readFileSync(join(repo, pkg, 'package.json'), 'utf8')) as { version: string }).version;

interface EntryPoint {
  name: string;
  script: string;
  pkg: string;
  /** Flags and environment with which it would start and keep running. */
  startArgs: string[];
  env: Record<string, string>;
}

const entryPoints: EntryPoint[] = [
  {
    name: 'shelfpulse-operator',
    script: 'operator/bin/operator.ts',
    pkg: 'operator',
    startArgs: [],
    env: { SHELFPULSE_LISTEN_PORT: '0', KUBECONFIG: join(dir, 'no-such-kubeconfig') },
  },
  {
    name: 'bridge',
    script: 'bridge/bin/bridge.ts',
    pkg: 'operator',
    startArgs: ['--config', bridgeConfig, '--port', '0'],
    env: { BRIDGE_WEBHOOK_SECRET: 'a-secret-of-enough-length' },
  },
  {
    name: 'release-check',
    script: 'operator/bin/release-check.ts',
    pkg: 'operator',
    startArgs: ['--namespace', 'shop', '--deployment', 'operator', '--timeout', '600'],
    env: { KUBECONFIG: join(dir, 'no-such-kubeconfig') },
  },
  {
    name: 'shelf-sim',
    script: 'simulator/bin/shelf-sim.ts',
    pkg: 'simulator',
    startArgs: ['--placement', 'soap:eye-level', '--server', '127.0.0.1:9', '--summary', 'json'],
    env: {},
  },
  {
    name: 'device-cloud',
    script: 'simulator/bin/device-cloud.ts',
    pkg: 'simulator',
    startArgs: ['--http-port', '0', '--coap-port', '0'],
    env: { DEVICE_CLOUD_API_KEYS: 'ak-entry-point-1' },
  },
];

/** Runs an entry point with Node.js 24 (this process's node); a run past the deadline is killed. */
function run(entry: EntryPoint, args: string[]) {
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        [entry.script, ...args],
        { cwd: repo, env: { PATH: process.env['PATH'], ...entry.env }, timeout: 15_000 },
        (error, stdout, stderr) => {
          const failure = error as (Error & { code?: number; signal?: string }) | null;
          resolve({
            code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
            signal: failure?.signal ?? null,
            stdout,
            stderr,
          });
        },
      );
    },
  );
}

describe.each(entryPoints)('$name', (entry) => {
  for (const flag of ['--help', '-h']) {
    it(`prints its usage with ${flag}, wherever the flag stands, and exits 0 without starting`, async () => {
      for (const args of [[flag], [...entry.startArgs, flag]]) {
        const result = await run(entry, args);
        expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
        expect(result.stdout).toMatch(new RegExp(`^Usage: ${entry.name}\\b`));
        expect(result.stdout).toMatch(/-h, --help +print this text and exit/i);
        expect(result.stdout).toMatch(/--version +print the name and version and exit/i);
      }
    });
  }

  it('prints its name and version with --version and exits 0 without starting', async () => {
    const result = await run(entry, [...entry.startArgs, '--version']);
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(result.stdout).toBe(`${entry.name} ${version(entry.pkg)}\n`);
  });
});
