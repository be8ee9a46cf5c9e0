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

  it('takes every secret from a file named by <VAR>_FILE, checked at start', () => {
    const secret = file('a-secret-of-enough-length\n');
    const key = file('cloud-key');
    const password = file('pw');
    const config = loadConfig(['--config', file(minimal)], {
      BRIDGE_WEBHOOK_SECRET_FILE: secret,
      BRIDGE_CLOUD_API_URL: 'http://cloud.example:8080',
      BRIDGE_CLOUD_API_KEY_FILE: key,
      BRIDGE_SINK_MAIN_USERNAME: 'writer',
      BRIDGE_SINK_MAIN_PASSWORD_FILE: password,
    });
    expect(config.webhook).toMatchObject({ secretFile: secret, previousSecretGraceMs: 600_000 });
    expect(config.webhook.secret).toBeUndefined();
    expect(config.cloud).toEqual({ apiUrl: 'http://cloud.example:8080', apiKeyFile: key });
    expect(config.sinks[0]).toMatchObject({ username: 'writer', passwordFile: password });
    expect(config.sinks[0]?.password).toBeUndefined();
  });

  it('refuses a secret given both as a value and as a file, naming both', () => {
    const path = file('a-secret-of-enough-length');
    for (const name of ['BRIDGE_WEBHOOK_SECRET', 'BRIDGE_CLOUD_API_KEY', 'BRIDGE_SINK_MAIN_TOKEN'])
      expect(() =>
        loadConfig(['--config', file(minimal)], {
          BRIDGE_WEBHOOK_SECRET: 'a-secret-of-enough-length',
          [name]: 'a-secret-of-enough-length',
          [`${name}_FILE`]: path,
        }),
      ).toThrow(new RegExp(`${name} and ${name}_FILE are both set`));
    // The same in the file: a value and a file for one field.
    const both = file(`
webhook: { secret: a-secret-of-enough-length, secretFile: ${path} }
sinks:
  - { name: main, url: "http://127.0.0.1:8086", database: db, password: pw, passwordFile: ${path} }
`);
    let message = '';
    try {
      loadConfig(['--config', both], {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/webhook\.secretFile: set the secret or a file holding it/);
    expect(message).toMatch(/sinks\.0\.passwordFile: set password or passwordFile, not both/);
  });

  it('refuses at start a credential file that is missing, empty or holds a too short webhook secret', () => {
    const message = (env: Record<string, string>): string => {
      try {
        loadConfig(['--config', file(minimal)], env);
        return '';
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    expect(message({ BRIDGE_WEBHOOK_SECRET_FILE: '/nonexistent/secret' })).toMatch(
      /webhook\.secretFile: cannot read \/nonexistent\/secret: ENOENT/,
    );
    expect(message({ BRIDGE_WEBHOOK_SECRET_FILE: file('too-short') })).toMatch(
      /webhook\.secretFile: .*at least 16 characters/,
    );
    expect(
      message({
        BRIDGE_WEBHOOK_SECRET: 'a-secret-of-enough-length',
        BRIDGE_SINK_MAIN_PASSWORD_FILE: file(''),
      }),
    ).toMatch(/sinks\.0\.passwordFile: .* is empty/);
  });
});
