// hack/influxd-init stands in for the official influxdb image's first-start
// script in test images: these tests run it with the real influxd and prove the
// contract the Helm chart relies on — the database and the users with exactly
// their grants, the init directory's .iql files applied, and no re-run once
// data exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStatus } from '../../src/http-probe.ts';
import { binary, freePort, influxql, influxqlRows, ManagedProcess } from '../../src/index.ts';

// Built by hack/ensure-bins.sh next to the other server binaries.
const initBinary = binary('influxd-init');

const db = 'shelf';
const admin = { username: 'admin', password: `adm'in"pass\\1` };
const writer = { username: 'writer', password: 'writer-secret-2' };
const reader = { username: 'reader', password: 'reader-secret-3' };
type Account = typeof admin;

const basic = (a: Account) => ({
  Authorization: `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`,
});

interface Server {
  url: string;
  stop(): Promise<void>;
  log(): string;
}

describe('influxd-init (first-start initialisation of the test influxdb image)', () => {
  let workDir: string;
  let ports: { http: number; rpc: number; init: number };
  let firstLog = '';

  /** The image's environment: influxd's own settings plus the init contract. */
  function imageEnv(dataDir: string, initdbDir: string): NodeJS.ProcessEnv {
    return {
      PATH: `${dirname(binary('influxd'))}${delimiter}${process.env['PATH'] ?? ''}`,
      INFLUXDB_META_DIR: join(dataDir, 'meta'),
      INFLUXDB_DATA_DIR: join(dataDir, 'data'),
      INFLUXDB_DATA_WAL_DIR: join(dataDir, 'wal'),
      INFLUXDB_BIND_ADDRESS: `127.0.0.1:${ports.rpc}`,
      INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${ports.http}`,
      INFLUXDB_INIT_PORT: String(ports.init),
      INFLUXDB_INITDB_DIR: initdbDir,
      INFLUXDB_HTTP_AUTH_ENABLED: 'true',
      INFLUXDB_REPORTING_DISABLED: 'true',
      INFLUXDB_HTTP_LOG_ENABLED: 'false',
      INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false',
      INFLUXDB_LOGGING_LEVEL: 'warn',
      INFLUXDB_DB: db,
      INFLUXDB_ADMIN_USER: admin.username,
      INFLUXDB_ADMIN_PASSWORD: admin.password,
      INFLUXDB_WRITE_USER: writer.username,
      INFLUXDB_WRITE_USER_PASSWORD: writer.password,
      INFLUXDB_READ_USER: reader.username,
      INFLUXDB_READ_USER_PASSWORD: reader.password,
    };
  }

  async function start(name: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Server> {
    const logFile = join(workDir, `${name}.log`);
    const child = new ManagedProcess({ name, command: initBinary, args, env, logFile });
    const url = `http://127.0.0.1:${ports.http}`;
    child.start();
    await child.waitUntil(async () => (await getStatus(`${url}/ping`)) === 204, 60_000);
    return {
      url,
      stop: () => child.stop(),
      log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    };
  }

  function writeInitdb(dir: string, files: Record<string, string>): string {
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  }

  const write = (url: string, as: Account, body: string) =>
    fetch(`${url}/write?db=${db}&precision=ms`, { method: 'POST', headers: basic(as), body });

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'influxd-init-'));
    ports = { http: await freePort(), rpc: await freePort(), init: await freePort() };
  });

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('creates the admin, the database, a write-only and a read-only user, and applies the .iql files', async () => {
    const initdb = writeInitdb(join(workDir, 'initdb-1'), {
      // One file is one batch of statements, run as the admin.
      '01-retention.iql': `CREATE RETENTION POLICY "short" ON "${db}" DURATION 2h REPLICATION 1;\nCREATE DATABASE "extra"\n`,
      'README.txt': 'CREATE DATABASE "not_run"',
    });
    const server = await start('first', imageEnv(join(workDir, 'data'), initdb));
    try {
      const users = await influxqlRows(server.url, 'SHOW USERS', { headers: basic(admin) });
      expect(users).toEqual(
        expect.arrayContaining([
          [admin.username, true],
          [writer.username, false],
          [reader.username, false],
        ]),
      );
      expect(users).toHaveLength(3);

      // The writer writes but cannot read.
      expect((await write(server.url, writer, 'shelf_count,shelf=s1 count=3i 1000')).status).toBe(204);
      await expect(
        influxql(server.url, 'SELECT "count" FROM shelf_count', { db, headers: basic(writer) }),
      ).rejects.toThrow(/not authorized/);

      // The reader reads what the writer wrote but cannot write.
      const rows = await influxqlRows(server.url, 'SELECT "count", "shelf" FROM shelf_count', {
        db,
        epoch: 'ms',
        headers: basic(reader),
      });
      expect(rows).toEqual([[1000, 3, 's1']]);
      expect((await write(server.url, reader, 'shelf_count,shelf=s2 count=1i 2000')).status).toBe(403);

      // Both statements of the .iql file ran; other files were ignored.
      const policies = await influxqlRows(server.url, `SHOW RETENTION POLICIES ON "${db}"`, {
        headers: basic(admin),
      });
      expect(policies).toContainEqual(['short', '2h0m0s', '1h0m0s', 1, false]);
      const databases = (await influxqlRows(server.url, 'SHOW DATABASES', { headers: basic(admin) })).flat();
      expect(databases).toEqual(expect.arrayContaining([db, 'extra']));
      expect(databases).not.toContain('not_run');
    } finally {
      firstLog = server.log();
      await server.stop();
    }
    // Secrets stay out of the log.
    expect(firstLog).toContain('initialisation done');
    for (const secret of [admin.password, writer.password, reader.password])
      expect(firstLog).not.toContain(secret);
  });

  it('does not initialise again when the data already exists', async () => {
    expect(firstLog).toContain('initialisation done');
    // A second start with other settings: none of them may be applied.
    const initdb = writeInitdb(join(workDir, 'initdb-2'), { '01.iql': 'CREATE DATABASE "second_start"' });
    // Started as the official image's CMD ["influxd"] would start it.
    const server = await start(
      'second',
      {
        ...imageEnv(join(workDir, 'data'), initdb),
        INFLUXDB_DB: 'other',
        INFLUXDB_ADMIN_PASSWORD: 'a-new-password',
      },
      ['influxd'],
    );
    try {
      const databases = (await influxqlRows(server.url, 'SHOW DATABASES', { headers: basic(admin) })).flat();
      expect(databases).not.toContain('other');
      expect(databases).not.toContain('second_start');
      await expect(
        influxql(server.url, 'SHOW USERS', { headers: basic({ ...admin, password: 'a-new-password' }) }),
      ).rejects.toThrow(/authorization failed/);
      // The data written on the first start is still there.
      const rows = await influxqlRows(server.url, 'SELECT "count" FROM shelf_count', {
        db,
        epoch: 'ms',
        headers: basic(reader),
      });
      expect(rows).toEqual([[1000, 3]]);
      expect(server.log()).not.toContain('first start');
    } finally {
      await server.stop();
    }
  });

  it('refuses a user without a password, naming the variable, before starting anything', () => {
    const dataDir = join(workDir, 'data-bad');
    const env = { ...imageEnv(dataDir, join(workDir, 'no-initdb')), INFLUXDB_WRITE_USER_PASSWORD: '' };
    const result = spawnSync(initBinary, [], { env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/INFLUXDB_WRITE_USER is set but INFLUXDB_WRITE_USER_PASSWORD is empty/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
