// The bridge as a process, stopped mid-load: with SIGTERM it flushes and
// nothing is lost; with SIGKILL nothing acknowledged is lost — with the spool
// because acknowledged means fsynced, without it because acknowledged means
// written (the cloud redelivers the rest). Counted exactly against the shelves;
// without a spool a SIGKILL may bring one batch twice (the bound bridge/README.md states).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@shelfpulse/testenv';
import { describe, expect, inject, it } from 'vitest';
import { assertExact, assertNothingLost, createDatabase, eventually, route } from './helpers.ts';
import { deliver, ShelfLoad } from './shelf-load.ts';
import { spawnBridge } from './bridge-process.ts';

const env = inject('testenv');
const secret = 'process-test-secret-0123456789';
const batchSize = 25;

function startBridge(configFile: string, port: number): Promise<ChildProcess> {
  return spawnBridge(['--config', configFile, '--port', String(port)], { BRIDGE_WEBHOOK_SECRET: secret });
}

/** Resolves when the process is gone; a bridge that does not stop within 40 s fails the test. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the bridge did not exit within 40 s of the signal'));
    }, 40_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function scenario(db: string, signal: 'SIGTERM' | 'SIGKILL', spool: boolean): Promise<void> {
  await createDatabase(env.influx.url, db);
  const dir = mkdtempSync(join(env.workDir, `bridge-${db}-`));
  const configFile = join(dir, 'bridge.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      webhook: { secret: undefined },
      // With the spool, acknowledged points wait up to 3 s in memory: a SIGKILL surely
      // catches some, and only the spool's replay can bring them.
      sinks: [{ name: 'main', url: env.influx.url, database: db, flushIntervalMs: spool ? 3000 : 200 }],
      fleets: [route({ placements: [] })],
      ...(spool ? { spool: { dir: join(dir, 'spool') } } : {}),
      logLevel: 'info',
    }),
  );
  const port = await freePort();
  const hook = `http://127.0.0.1:${port}/notify`;
  let child = await startBridge(configFile, port);
  const load = new ShelfLoad(30, 'shelf-', 11);
  // The cloud's side: batches one after another, each retried until a 2xx.
  let sent = 0;
  let retried = 0;
  const sending = (async () => {
    await deliver(hook, secret, { notifications: load.baseline() });
    for (let i = 0; i < 200; i++) {
      if ((await deliver(hook, secret, { notifications: load.batch(batchSize) })) > 1) retried++;
      sent++;
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  await new Promise((r) => setTimeout(r, 1500));
  // Mid-load: some batches are through, most are still to come.
  expect(sent).toBeGreaterThan(10);
  expect(sent).toBeLessThan(150);
  child.kill(signal);
  await exited(child);
  if (signal === 'SIGTERM' && spool) {
    // A clean stop wrote everything: the spool has nothing left to replay.
    expect(readdirSync(join(dir, 'spool')).filter((f) => f.startsWith('segment'))).toEqual([]);
  }
  child = await startBridge(configFile, port);
  try {
    await sending;
    // The stop was felt: at least one batch had to be delivered again.
    expect(retried).toBeGreaterThan(0);
    // Without a spool, a batch written in the instant before the SIGKILL whose
    // 204 never left is derived again when the cloud redelivers it (bridge/README.md):
    // nothing is lost, and at most that one batch comes twice.
    const check = (): Promise<void> =>
      signal === 'SIGKILL' && !spool
        ? assertNothingLost(env.influx.url, db, load.truth, batchSize)
        : assertExact(env.influx.url, db, load.truth);
    await eventually(async () => {
      await check();
      return true;
    }, 15_000).catch(() => undefined);
    await check();
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

describe('bridge process stopped mid-load', () => {
  it('SIGTERM: flushes, nothing lost', () => scenario('bp_term', 'SIGTERM', false));
  it('SIGTERM with the spool: flushes everything, leaves nothing to replay', () =>
    scenario('bp_term_spool', 'SIGTERM', true));
  it('SIGKILL with the disk spool: nothing lost', () => scenario('bp_kill_spool', 'SIGKILL', true));
  it('SIGKILL without the spool (acknowledged only once written): nothing lost, one batch twice at most', () =>
    scenario('bp_kill_nospool', 'SIGKILL', false));
});
