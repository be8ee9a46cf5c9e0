// A real InfluxDB 1.8 (influxd) on loopback, data in a temporary directory. It
// serves /write, /query (InfluxQL) and the 2.x-compatible /api/v2/write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './bins.ts';
import { getStatus } from './http-probe.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePort } from './ports.ts';

export interface InfluxdOptions {
  /** Turn authentication on and create this admin user. */
  admin?: { username: string; password: string };
}

export interface Influxd {
  url: string;
  process: ManagedProcess;
  admin: InfluxdOptions['admin'];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startInfluxd(workDir: string, options: InfluxdOptions = {}): Promise<Influxd> {
  const dir = join(workDir, `influxd-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${httpPort}`;
  const configFile = join(dir, 'influxdb.conf');
  writeFileSync(
    configFile,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      `  auth-enabled = ${options.admin ? 'true' : 'false'}`,
      '  log-enabled = false',
      '[logging]',
      '  level = "warn"',
      '',
    ].join('\n'),
  );
  const process = new ManagedProcess({
    name: 'influxd',
    command: binary('influxd'),
    args: ['run', '-config', configFile],
    logFile: join(dir, 'influxd.log'),
  });
  const start = async (): Promise<void> => {
    process.start();
    await process.waitUntil(async () => (await getStatus(`${url}/ping`)) === 204, 30_000);
  };
  await start();
  if (options.admin) await createAdmin(url, options.admin);
  return { url, process, admin: options.admin, start, stop: () => process.stop() };
}

/** With auth on and no users yet, InfluxDB 1.x accepts one unauthenticated CREATE USER … WITH ALL PRIVILEGES. */
async function createAdmin(url: string, admin: { username: string; password: string }): Promise<void> {
  const q = `CREATE USER "${admin.username}" WITH PASSWORD '${admin.password.replaceAll("'", "\\'")}' WITH ALL PRIVILEGES`;
  const response = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
  if (!response.ok)
    throw new Error(`creating the InfluxDB admin failed: ${response.status} ${await response.text()}`);
}
