// `make demo`: the whole data path on one machine, no cluster needed.
//
//   50 simulated shelves ─LwM2M─▶ device-cloud emulator ─long-poll─▶ bridge ─▶ InfluxDB
//
// Two aisles hold the same products at rotated positions, so the bridge's
// placement estimate has something to compare (README, "Placement effect").
//
// Each part runs as its own process through its real entry point, exactly as
// the container images run them. A live table shows, per product, what the
// retailer asks for; Ctrl-C stops everything and removes the data.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, ManagedProcess, startInfluxd, type Influxd } from '../testenv/src/index.ts';
import { MbedSdkDeviceCloud } from '../core/src/device-cloud/mbed-sdk-device-cloud.ts';
import type { PlacementInput } from './demo-view.ts';
import { renderView, readEffects, readFigures } from './demo-view.ts';
import { silenceWarning } from './silence-warning.ts';

// mbed-cloud-sdk (behind MbedSdkDeviceCloud) calls util.isArray, deprecated in
// Node.js (DEP0044): the demo's user can do nothing about it. Only that code is
// silenced, in this process only; the demo's other warnings and its children's
// (bridge, emulator, simulator: their logs) are untouched. NODE_OPTIONS=--no-deprecation
// or process.noDeprecation would hide every deprecation, also ones that matter.
silenceWarning('DEP0044');

const root = fileURLToPath(new URL('..', import.meta.url));
const shelves = Number(process.env['DEMO_SHELVES'] ?? 50);
const speedup = Number(process.env['DEMO_SPEEDUP'] ?? 60);
const database = 'shelfpulse';
const placements: PlacementInput[] = [
  { productId: 'oat-milk', position: 'eye-level', capacity: 24, restockThreshold: 6 },
  { productId: 'granola', position: 'top', capacity: 20, restockThreshold: 5 },
  { productId: 'coffee-beans', position: 'waist', capacity: 30, restockThreshold: 8 },
  { productId: 'basmati-rice', position: 'low', capacity: 24, restockThreshold: 6 },
  { productId: 'dark-chocolate', position: 'end-cap', capacity: 40, restockThreshold: 10 },
];
/** Aisle 8: the same products, each moved one position along (a placement experiment). */
const rotated: PlacementInput[] = placements.map((p, i) => ({
  ...p,
  position: placements[(i + 1) % placements.length]!.position,
}));
const aisles = [
  { fleet: 'aisle-7', prefix: 'demo-aisle-7-', placements, shelves: Math.ceil(shelves / 2), seed: 7 },
  {
    fleet: 'aisle-8',
    prefix: 'demo-aisle-8-',
    placements: rotated,
    shelves: Math.floor(shelves / 2),
    seed: 8,
  },
].filter((a) => a.shelves > 0);

const workDir = mkdtempSync(join(tmpdir(), 'shelfpulse-demo-'));
const started: ManagedProcess[] = [];
let influx: Influxd | undefined;
let stopping = false;

function node(name: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
  const child = new ManagedProcess({
    name,
    command: process.execPath,
    args: [join(root, script), ...args],
    logFile: join(workDir, `${name}.log`),
    env,
  });
  child.start();
  started.push(child);
  return child;
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  process.stdout.write('\nstopping shelves, bridge, device cloud and InfluxDB…\n');
  // Shelves first (they de-register), then the bridge (it flushes), then the servers.
  for (const child of started.reverse()) await child.stop(15_000);
  await influx?.stop();
  rmSync(workDir, { recursive: true, force: true });
  process.stdout.write('stopped cleanly.\n');
  process.exit(code);
}

async function main(): Promise<void> {
  const admin = { username: 'shelfpulse-admin', password: randomBytes(18).toString('base64url') };
  influx = await startInfluxd(workDir, { admin });
  const auth = {
    authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
  };
  const created = await fetch(`${influx.url}/query`, {
    method: 'POST',
    headers: auth,
    body: new URLSearchParams({ q: `CREATE DATABASE "${database}"` }),
  });
  if (!created.ok) throw new Error(`creating the database failed: ${await created.text()}`);

  const apiKey = `demo-${randomBytes(16).toString('hex')}`;
  const [httpPort, coapPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const cloud = node(
    'device-cloud',
    'simulator/bin/device-cloud.ts',
    ['--http-port', String(httpPort), '--coap-port', String(coapPort), '--log-level', 'warn'],
    { DEVICE_CLOUD_API_KEYS: apiKey },
  );
  await cloud.waitUntil(() => httpOk(`${apiUrl}/healthz`), 30_000);

  // What the operator does for a ShelfFleet: pre-subscribe the fleet's shelves.
  await new MbedSdkDeviceCloud({ apiUrl, apiKey }).updatePresubscriptions(
    aisles.map((a) => ({
      endpointName: `${a.prefix}*`,
      resourcePaths: ['/10341/0/26341', '/10341/0/26342'],
    })),
  );

  const bridgePort = await freePort();
  const bridgeConfig = join(workDir, 'bridge.json');
  writeFileSync(
    bridgeConfig,
    JSON.stringify({
      mode: 'long-poll',
      listen: { host: '127.0.0.1', port: bridgePort },
      sinks: [{ name: 'local', url: influx.url, flavour: 'v1', database, flushIntervalMs: 250 }],
      fleets: aisles.map((a) => ({
        fleet: a.fleet,
        namespace: 'default',
        store: 'store-1',
        aisle: a.fleet,
        devicePrefix: a.prefix,
        sinks: ['local'],
        placements: a.placements,
      })),
      // Every half minute, so the placement table fills while you watch.
      placementEffect: { intervalMs: 30_000 },
    }),
  );
  const bridge = node('bridge', 'bridge/bin/bridge.ts', ['--config', bridgeConfig, '--log-level', 'warn'], {
    BRIDGE_CLOUD_API_URL: apiUrl,
    BRIDGE_CLOUD_API_KEY: apiKey,
    BRIDGE_SINK_LOCAL_USERNAME: admin.username,
    BRIDGE_SINK_LOCAL_PASSWORD: admin.password,
  });
  await bridge.waitUntil(() => httpOk(`http://127.0.0.1:${bridgePort}/healthz`), 30_000);

  const sims: ManagedProcess[] = [];
  for (const aisle of aisles) {
    const planFile = join(workDir, `plan-${aisle.fleet}.json`);
    writeFileSync(planFile, JSON.stringify({ placements: aisle.placements }));
    const simPort = await freePort();
    const sim = node(`shelf-sim-${aisle.fleet}`, 'simulator/bin/shelf-sim.ts', [
      ...['--shelves', String(aisle.shelves), '--speedup', String(speedup), '--seed', String(aisle.seed)],
      ...['--server', `127.0.0.1:${coapPort}`, '--fleet', aisle.fleet, '--prefix', aisle.prefix],
      ...['--plan', planFile, '--summary', 'json', '--log-level', 'warn'],
      ...[
        '--http',
        `127.0.0.1:${simPort}`,
        '--ground-truth',
        join(workDir, `ground-truth-${aisle.fleet}.jsonl`),
      ],
    ]);
    await sim.waitUntil(() => httpOk(`http://127.0.0.1:${simPort}/readyz`), 60_000);
    sims.push(sim);
  }

  const where = [
    `InfluxDB      ${influx.url}  database "${database}", user ${admin.username}, password ${admin.password}`,
    `Connect API   ${apiUrl}  (API key ${apiKey})`,
    `query         curl -sG ${influx.url}/query -u ${admin.username}:${admin.password} --data-urlencode db=${database} \\`,
    `                --data-urlencode 'q=SELECT sum("items") FROM shelf_event GROUP BY "product_id", "kind"'`,
    `logs          ${workDir}`,
    `Grafana       not started: it needs a container runtime; with kind, \`make up\` installs it with the dashboards.`,
  ];
  const tty = process.stdout.isTTY;
  if (!tty) process.stdout.write(`${where.join('\n')}\n\n`);
  for (;;) {
    if (stopping) return;
    for (const child of [cloud, bridge, ...sims]) {
      if (!child.running) throw new Error(`${child.spec.name} stopped unexpectedly:\n${child.tail()}`);
    }
    const figures = await readFigures(influx.url, database, auth, [...placements, ...rotated]);
    const effects = await readEffects(influx.url, database, auth);
    const view = renderView(figures, { shelves, speedup }, effects);
    process.stdout.write(
      tty ? `\x1b[2J\x1b[H${view}\n\n${where.join('\n')}\n\nCtrl-C stops everything.\n` : `${view}\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, tty ? 2_000 : 10_000));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void (stopping ? undefined : stopAll(0)));
}
main().catch(async (error: unknown) => {
  if (stopping) return;
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopAll(1);
});
