// The disk spool: append-only segment files, each record fsynced before the
// intake acknowledges it. A record holds the points for every sink and the
// derivation state of the devices it changed, so a restart replays the points
// that were not yet written and continues deriving where it left off. A
// segment is deleted once every point in it is written (or rejected).
// Replaying points already written is harmless: InfluxDB keeps one point per
// series and time.
//
// A record is a JSON header line (everything but the points, plus how many
// lines each sink has) followed by the points as they are, one line each: line
// protocol never holds a newline (tags drop them, fields are numbers), and
// copying it is far cheaper than escaping it into JSON.
import {
  closeSync,
  existsSync,
  fdatasync,
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
/** A record as the bridge appends it: the device states in a Map (see `formatRecord`). */
export type SpoolEntry = Omit<SpoolRecord, 'd'> & { d: ReadonlyMap<string, DeviceState> };

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

/** The header line of a record: the record without its points, and the number of points per sink. */
const RecordHeaderSchema = SpoolRecordSchema.omit({ s: true }).extend({
  n: z.record(z.string(), z.int().min(0)),
});

const segmentName = (n: number): string => `segment-${String(n).padStart(10, '0')}.jsonl`;

/** The records of one segment's text; `torn` counts a record cut short at the end by a crash. */
export function parseSegment(text: string): { records: SpoolRecord[]; torn: number } {
  const lines = text.split('\n');
  // Either "" after the last newline, or the end of a record cut short.
  const cut = lines.pop() !== '';
  const records: SpoolRecord[] = [];
  let i = 0;
  while (i < lines.length) {
    let json: unknown;
    try {
      json = JSON.parse(lines[i] as string);
    } catch {
      return { records, torn: 1 };
    }
    // Segments written before the header format hold whole JSON records.
    const whole = SpoolRecordSchema.safeParse(json);
    if (whole.success) {
      records.push(whole.data);
      i++;
      continue;
    }
    const header = RecordHeaderSchema.safeParse(json);
    if (!header.success) return { records, torn: 1 };
    const { n, ...rest } = header.data;
    const sinks: Record<string, string[]> = {};
    let next = i + 1;
    for (const [sink, count] of Object.entries(n)) {
      sinks[sink] = lines.slice(next, next + count);
      next += count;
    }
    if (next > lines.length) return { records, torn: 1 };
    records.push({ ...rest, s: sinks });
    i = next;
  }
  return { records, torn: cut ? 1 : 0 };
}

/**
 * A record as appended: its header line, then its points. The device states
 * are written entry by entry: an object keyed by a few hundred device ids,
 * built only to be serialised, costs V8 a new hidden class per key.
 */
function formatRecord(record: SpoolEntry): string {
  const { s, d, ...rest } = record;
  const n: Record<string, number> = {};
  let points = '';
  for (const [sink, lines] of Object.entries(s)) {
    n[sink] = lines.length;
    if (lines.length > 0) points += `${lines.join('\n')}\n`;
  }
  const states = [...d].map(([id, state]) => `${JSON.stringify(id)}:${JSON.stringify(state)}`).join(',');
  // The header object without its closing brace, then "d" appended to it.
  return `${JSON.stringify({ ...rest, n }).slice(0, -1)},"d":{${states}}}\n${points}`;
}

export class Spool {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly pending = new Map<number, number>();
  private current = -1;
  private fd = -1;
  private size = 0;
  private totalBytes = 0;
  /** Records appended and records known to be on disk, for group commit. */
  private written = 0;
  private durable = 0;
  private syncing: Promise<void> | undefined;

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
      const parsed = parseSegment(readFileSync(file, 'utf8'));
      torn += parsed.torn;
      for (const record of parsed.records) {
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

  /**
   * Appends one record (not yet fsynced: see `synced`); returns its segment.
   * `state` is read only when rotating.
   */
  append(record: SpoolEntry, state: () => SpoolState): number {
    if (this.size >= this.segmentBytes) this.rotate(state());
    const bytes = writeSync(this.fd, formatRecord(record));
    this.written++;
    this.size += bytes;
    this.totalBytes += bytes;
    const lines = Object.values(record.s).reduce((n, l) => n + l.length, 0);
    this.pending.set(this.current, (this.pending.get(this.current) ?? 0) + lines);
    return this.current;
  }

  /**
   * Resolves once every record appended so far is fsynced. The fsync runs off
   * the event loop, and records appended while one runs share the next.
   */
  async synced(): Promise<void> {
    const target = this.written;
    while (this.durable < target) {
      this.syncing ??= this.sync().finally(() => (this.syncing = undefined));
      await this.syncing;
    }
  }

  private async sync(): Promise<void> {
    const upTo = this.written;
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
    this.durable = Math.max(this.durable, upTo);
  }

  /** Closes `fd` once no fsync runs on it (its number must not be reused meanwhile). */
  private closeFd(): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd < 0) return;
    fdatasyncSync(fd);
    this.durable = this.written;
    const close = (): void => closeSync(fd);
    if (this.syncing) void this.syncing.then(close, close);
    else close();
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
    this.closeFd();
    if ((this.pending.get(this.current) ?? 0) <= 0) this.remove(this.current);
  }

  private rotate(state: SpoolState): void {
    const previous = this.current;
    this.closeFd();
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
