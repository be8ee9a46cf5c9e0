// The multi-shelf runner: the ground truth it records is exactly what the pure
// model produces for the same seed and start, shelves get their placements, and
// each client ends with the count of its last event.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatorConfigSchema } from '@shelfpulse/core/api/simulator-config';
import { GroundTruthFile } from '../../../src/shelf/ground-truth-file.ts';
import { parseGroundTruth, type ShelfEvent } from '../../../src/shelf/ground-truth.ts';
import { ShelfModel } from '../../../src/shelf/shelf-model.ts';
import { ShelfSimRunner } from '../../../src/shelf/shelf-sim-runner.ts';
import { isRegister, Lwm2mTestServer } from './lwm2m-test-server.ts';

let server: Lwm2mTestServer | undefined;
let runner: ShelfSimRunner | undefined;
afterEach(async () => {
  await runner?.stop({ deregister: false });
  server?.close();
});

describe('ShelfSimRunner', () => {
  it('records ground truth identical to the pure model, with placement and endpoint per shelf', async () => {
    server = await Lwm2mTestServer.start();
    const config = SimulatorConfigSchema.parse({
      fleet: 'aisle-3',
      namespace: 'store-1',
      endpointPrefix: 'a3-',
      server: { host: '127.0.0.1', port: server.port },
      replicaIndex: 2,
      shelvesPerReplica: 3,
      placements: [
        { productId: 'soap', position: 'eye-level', capacity: 10, restockThreshold: 3 },
        { productId: 'rice', position: 'low' },
      ],
      behaviour: { shoppersPerHour: 120, restockDelaySecondsMean: 120 },
      speedup: 7200, // two simulated hours per second
      seed: 31,
    });
    const simStartMs = Date.UTC(2026, 0, 5, 17); // the evening peak
    const path = join(mkdtempSync(join(tmpdir(), 'shelf-sim-runner-')), 'truth.jsonl');
    const file = await GroundTruthFile.open(path);
    runner = new ShelfSimRunner(config, {
      simStartMs,
      bindAddress: '127.0.0.1',
      onEvent: (r) => file.write(r),
      rampMs: 0,
    });
    expect(runner.endpoints).toEqual(['a3-6', 'a3-7', 'a3-8']);
    await runner.start();
    await server.waitFor(isRegister, 2);
    await new Promise((r) => setTimeout(r, 1500));
    runner.stopShoppers();
    await file.close();

    const records = parseGroundTruth(readFileSync(path, 'utf8'));
    expect(records.length).toBeGreaterThan(30);
    for (const [local, endpoint] of runner.endpoints.entries()) {
      const shelf = 6 + local;
      const placement = config.placements[shelf % 2]!;
      const mine = records.filter((r) => r.endpoint === endpoint);
      expect(mine.length).toBeGreaterThan(0);
      for (const r of mine) {
        expect(r).toMatchObject({
          fleet: 'aisle-3',
          namespace: 'store-1',
          shelf,
          productId: placement.productId,
          position: placement.position,
        });
        expect(Date.parse(r.time)).toBe(Math.floor(r.timeMs)); // ISO has whole milliseconds
      }
      // The same seed, shelf and start give the same events without any network.
      const model = new ShelfModel({
        behaviour: config.behaviour,
        placement,
        seed: 31,
        shelf,
        startMs: simStartMs,
      });
      const pure: ShelfEvent[] = [];
      for (let e = model.next(mine.at(-1)!.timeMs); e; e = model.next(mine.at(-1)!.timeMs)) pure.push(e);
      expect(
        mine.map(({ kind, timeMs, items, count, shopper }) => ({ kind, timeMs, items, count, shopper })),
      ).toEqual(pure);
      expect(runner.client(local)!.count).toBe(mine.at(-1)!.count);
    }
    const stats = runner.stats();
    expect(stats.registered).toBe(3);
    expect(stats.events.pickup + stats.events.putback + stats.events.restock).toBe(records.length);
  });
});
