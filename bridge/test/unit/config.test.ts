import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bridge-config-')), 'bridge.yaml');
  writeFileSync(path, content);
  return path;
}

const minimal = `
sinks:
  - { name: main, url: "http://127.0.0.1:8086", database: shelfpulse }
`;

describe('bridge configuration', () => {
  it('reads a YAML file, takes flags over it and secrets from the environment', () => {
    const config = loadConfig(['--config', file(minimal), '--port', '0', '--spool-dir', '/tmp/s'], {
      BRIDGE_WEBHOOK_SECRET: 'a-secret-of-enough-length',
      BRIDGE_SINK_MAIN_PASSWORD: 'pw',
      BRIDGE_SINK_MAIN_USERNAME: 'writer',
    });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.webhook.secret).toBe('a-secret-of-enough-length');
    expect(config.sinks[0]).toMatchObject({
      username: 'writer',
      password: 'pw',
      batchSize: 5000,
      overflow: 'reject',
    });
    expect(config.spool?.dir).toBe('/tmp/s');
  });

  it('names every bad field in one error', () => {
    const bad = file(`
mode: sideways
sinks:
  - { name: Main, url: "ftp://x", flavour: v2 }
`);
    let message = '';
    try {
      loadConfig(['--config', bad], {});
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/mode:/);
    expect(message).toMatch(/sinks\.0\.name:/);
    expect(message).toMatch(/sinks\.0\.url:/);
  });

  it('refuses webhook mode without a secret, long-poll without a cloud, and unknown flags', () => {
    expect(() => loadConfig(['--config', file(minimal)], {})).toThrow(
      /webhook\.secret: webhook mode needs a secret/,
    );
    expect(() => loadConfig(['--config', file(minimal), '--mode', 'long-poll'], {})).toThrow(/cloud:/);
    expect(() => loadConfig(['--bogus'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--config', '/nonexistent/bridge.yaml'], {})).toThrow(/cannot read/);
  });

  it('needs sinks unless they come from MetricSink resources', () => {
    const env = { BRIDGE_WEBHOOK_SECRET: 'a-secret-of-enough-length' };
    expect(() => loadConfig([], env)).toThrow(/sinks: at least one sink/);
    expect(loadConfig(['--kube', '--namespace', 'shop'], env)).toMatchObject({
      kube: { namespace: 'shop', routing: true },
    });
  });
});
