// Proves the `device-cloud` entry point: --help, one clear error for a bad
// configuration, and a clean start and stop serving /healthz and /metrics.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers.ts';

const bin = fileURLToPath(new URL('../../../bin/device-cloud.ts', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], ...env },
  });

describe('device-cloud command', () => {
  it('prints its usage with --help', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: device-cloud/);
    expect(result.stdout).toMatch(/DEVICE_CLOUD_API_KEYS/);
  });

  it('refuses to start without an API key or with a bad value, in one line', () => {
    const noKey = run([]);
    expect(noKey.status).toBe(2);
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1);
    expect(noKey.stderr).toMatch(/no API key/);
    const badPort = run(['--coap-port', '99999'], { DEVICE_CLOUD_API_KEYS: 'ak-cli-key-1' });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/coap\.port/);
    const unknown = run(['--colour', 'red'], { DEVICE_CLOUD_API_KEYS: 'ak-cli-key-1' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--colour/);
  });

  it('serves /healthz and /metrics and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, '--log-level', 'info'], {
      env: { PATH: process.env['PATH'], DEVICE_CLOUD_API_KEYS: 'ak-cli-key-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await waitFor('the listening log line', () => {
        const line = out.split('\n').find((l) => l.includes('device cloud listening'));
        return line ? (JSON.parse(line) as { url: string }).url : undefined;
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/devicecloud_registered_devices 0/);
      expect((await fetch(`${url}/v3/devices`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
