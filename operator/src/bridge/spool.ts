// The disk spool: append-only segment files of JSON lines, each record fsynced
// before the intake acknowledges it. A record holds the points for every sink
// and the derivation state of the devices it changed, so a restart replays the
// points that were not yet written and continues deriving where it left off.
// A segment is deleted once every point in it is written (or rejected).
// Replaying points already written is harmless: InfluxDB keeps one point per
// series and time.
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DeviceState } from './derive.ts';

const DeviceStateSchema = z.object({
  count: z.number(),
  timeUs: z.number(),
  lastPointUs: z.number(),
  seq: z.number().optional(),
});

export const SpoolRecordSchema = z.object({
  /** Line protocol by sink name. */
  s: z.record(z.string(), z.array(z.string())),
  /** Derivation state of the devices this record changed. */
  d: z.record(z.string(), DeviceStateSchema),
  /** When the notifications were received (ms). */
  r: z.number(),
  /** Hash of the webhook body, to recognise the cloud redelivering it after a crash. */
  h: z.string().optional(),
  /** Product ids learnt in this batch. */
  p: z.record(z.string(), z.string()).optional(),
});
export type SpoolRecord = z.infer<typeof SpoolRecordSchema>;

const SnapshotSchema = z.object({
  segment: z.int(),
  devices: z.record(z.string(), DeviceStateSchema),
  products: z.record(z.string(), z.string()).default({}),
});

/** What a restart continues from: each device's count and product id. */
export interface SpoolState {
  devices: Record<string, DeviceState>;
  products: Record<string, string>;
}

export interface Replay {
  state: SpoolState;
  records: { segment: number; record: SpoolRecord }[];
  /** Lines at the end of a segment cut short by a crash (never acknowledged). */
  torn: number;
  /** Body hashes of the last records: their acknowledgement may not have reached the cloud. */
  lastHashes: string[];
}

const segmentName = (n: number): string => `segment-${String(n).padStart(10, '0')}.jsonl`;

export class Spool {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly pending = new Map<number, number>();
  private current = -1;
  private fd = -1;
  private size = 0;
  private totalBytes = 0;

  constructor(dir: string, segmentBytes = 16 * 1024 * 1024) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    mkdirSync(dir, { recursive: true });
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .map((f) => /^segment-(\d+)\.jsonl$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Reads what a previous run left. Call once, before `start`. */
  replay(): Replay {
    const snapshotFile = join(this.dir, 'state.json');
    const snapshot = existsSync(snapshotFile)
      ? SnapshotSchema.parse(JSON.parse(readFileSync(snapshotFile, 'utf8')))
      : { segment: 0, devices: {}, products: {} };
    const state: SpoolState = { devices: { ...snapshot.devices }, products: { ...snapshot.products } };
    const records: Replay['records'] = [];
    let torn = 0;
    for (const segment of this.segments()) {
      const file = join(this.dir, segmentName(segment));
      this.totalBytes += statSync(file).size;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line === '') continue;
        let record: SpoolRecord;
        try {
          record = SpoolRecordSchema.parse(JSON.parse(line));
        } catch {
          torn++;
          continue;
        }
        const lines = Object.values(record.s).reduce((n, l) => n + l.length, 0);
        this.pending.set(segment, (this.pending.get(segment) ?? 0) + lines);
        records.push({ segment, record });
        // The snapshot already holds the state of segments before it.
        if (segment >= snapshot.segment) {
          Object.assign(state.devices, record.d);
          Object.assign(state.products, record.p ?? {});
        }
      }
      if (!this.pending.get(segment)) this.pending.set(segment, 0);
      this.current = Math.max(this.current, segment);
    }
    const lastHashes = records
      .slice(-16)
      .map((r) => r.record.h)
      .filter((h): h is string => h !== undefined);
    return { state, records, torn, lastHashes };
  }

  /** Opens a fresh segment; `state` is the derivation state at this point. */
  start(state: SpoolState): void {
    this.rotate(state);
    // Segments of the previous run that held nothing pending can go now.
    for (const [segment, count] of this.pending)
      if (count === 0 && segment !== this.current) this.remove(segment);
  }

  /** Appends and fsyncs one record; returns its segment. `state` is read only when rotating. */
  append(record: SpoolRecord, state: () => SpoolState): number {
    if (this.size >= this.segmentBytes) this.rotate(state());
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
    writeSync(this.fd, bytes);
    fdatasyncSync(this.fd);
    this.size += bytes.length;
    this.totalBytes += bytes.length;
    const lines = Object.values(record.s).reduce((n, l) => n + l.length, 0);
    this.pending.set(this.current, (this.pending.get(this.current) ?? 0) + lines);
    return this.current;
  }

  /** `count` points of `segment` are settled. */
  release(segment: number, count: number): void {
    if (segment < 0) return;
    const left = (this.pending.get(segment) ?? 0) - count;
    this.pending.set(segment, left);
    if (left <= 0 && segment !== this.current) this.remove(segment);
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Closes the segment; when everything in it is written, it goes too (a clean stop replays nothing). */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if ((this.pending.get(this.current) ?? 0) <= 0) this.remove(this.current);
  }

  private rotate(state: SpoolState): void {
    const previous = this.current;
    if (this.fd >= 0) closeSync(this.fd);
    this.current = previous + 1;
    // The snapshot is written before the segment it precedes, so it never lags behind.
    const tmp = join(this.dir, 'state.json.tmp');
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify({ segment: this.current, ...state }));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, 'state.json'));
    this.fd = openSync(join(this.dir, segmentName(this.current)), 'a');
    this.size = 0;
    this.pending.set(this.current, 0);
    const dirFd = openSync(this.dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
    if (previous >= 0 && (this.pending.get(previous) ?? 0) <= 0) this.remove(previous);
  }

  private remove(segment: number): void {
    const file = join(this.dir, segmentName(segment));
    if (existsSync(file)) {
      this.totalBytes -= statSync(file).size;
      unlinkSync(file);
    }
    this.pending.delete(segment);
  }
}
