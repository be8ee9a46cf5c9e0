// A credential (API key, webhook secret, InfluxDB password) that may be
// rotated under the running bridge. Given as a value (the environment, out of
// the cluster) it is fixed; given as a file (a mounted Secret) it is read
// again when the last read is older than `maxAgeMs`, at once after an
// authentication failure (`refresh`), and every `maxAgeMs` while someone
// listens for changes.
//
// Why reading again rather than watching the file: the kubelet updates a
// Secret volume by swapping the `..data` symlink, which a watch on the file
// itself never sees; a directory watch (inotify) does, but fs.watch is not
// reliable on every filesystem, and a missed event would mean the old value
// for ever. Reading a few bytes from a tmpfs file once a second costs
// microseconds and cannot miss a change; the kubelet itself takes up to a
// minute to update the volume, so a second more does not matter.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { secretMatches } from './secret.ts';

export class CredentialError extends Error {}

export interface CredentialFileOptions {
  /** What the value is, for messages: the env var or field that named the file. */
  name: string;
  /** Read the file again when the last read is older than this. */
  maxAgeMs?: number;
  /** After a change the previous value still `matches` for this long (deliveries in flight). */
  graceMs?: number;
  /** A reason the value is unusable (too short, …), or undefined. */
  check?: (value: string) => string | undefined;
  log?: Logger;
}

export const defaultMaxAgeMs = 1_000;

export class Credential {
  private value: string;
  private previous: { value: string; untilMs: number } | undefined;
  private readAtMs = Date.now();
  private readonly file: string | undefined;
  private readonly options: CredentialFileOptions | undefined;
  private readonly listeners = new Set<(value: string) => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;

  private constructor(value: string, file?: string, options?: CredentialFileOptions) {
    this.value = value;
    this.file = file;
    this.options = options;
  }

  /** A value that never changes (from the environment or a test). */
  static fixed(value: string): Credential {
    return new Credential(value);
  }

  /** From a file when `file` is set, else the fixed `value` (the configuration allows one of them). */
  static of(value: string | undefined, file: string | undefined, options: CredentialFileOptions): Credential {
    if (file !== undefined) return Credential.fromFile(file, options);
    if (value === undefined) throw new CredentialError(`${options.name}: not set`);
    return Credential.fixed(value);
  }

  /** Reads `path` now: an unreadable, empty or unusable file is a CredentialError naming `options.name`. */
  static fromFile(path: string, options: CredentialFileOptions): Credential {
    const read = readCredentialFile(path, options.check);
    if (!read.ok) throw new CredentialError(`${options.name}: ${read.problem}`);
    return new Credential(read.value, path, options);
  }

  /** The value now (read again first when it is older than maxAgeMs). */
  current(): string {
    if (this.file && Date.now() - this.readAtMs >= (this.options?.maxAgeMs ?? defaultMaxAgeMs))
      this.refresh();
    return this.value;
  }

  /**
   * Reads the file again now (after the other side refused the value); true when
   * the value changed. A file that cannot be read or holds an unusable value keeps
   * the last good value: a half-done rotation must not stop the bridge.
   */
  refresh(): boolean {
    if (!this.file || !this.options) return false;
    this.readAtMs = Date.now();
    const read = readCredentialFile(this.file, this.options.check);
    if (!read.ok) {
      if (this.lastProblem !== read.problem)
        this.options.log?.warn(
          { credential: this.options.name, problem: read.problem },
          'credential file not usable; keeping the last value',
        );
      this.lastProblem = read.problem;
      return false;
    }
    this.lastProblem = undefined;
    if (read.value === this.value) return false;
    this.previous = { value: this.value, untilMs: Date.now() + (this.options.graceMs ?? 0) };
    this.value = read.value;
    this.options.log?.info({ credential: this.options.name }, 'credential rotated');
    for (const listener of this.listeners) listener(read.value);
    return true;
  }

  /**
   * Constant-time check of a value someone presented: the current one, or the
   * previous one within graceMs of the change (the cloud retries deliveries it
   * sent with the old value).
   */
  matches(given: string | string[] | undefined): boolean {
    if (secretMatches(this.current(), given)) return true;
    const previous = this.previous;
    return previous !== undefined && Date.now() < previous.untilMs && secretMatches(previous.value, given);
  }

  /** Calls `listener` with each new value; the file is checked every maxAgeMs while anyone listens. */
  onChange(listener: (value: string) => void): void {
    this.listeners.add(listener);
    if (!this.file || this.timer) return;
    this.timer = setInterval(() => this.current(), this.options?.maxAgeMs ?? defaultMaxAgeMs);
    this.timer.unref();
  }

  /** Stops checking the file for listeners. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}

type Read = { ok: true; value: string } | { ok: false; problem: string };

/** The file's text without the line end an editor or `echo` adds; a problem when unreadable, empty or failing `check`. */
export function readCredentialFile(path: string, check?: (value: string) => string | undefined): Read {
  let value: string;
  try {
    value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    return { ok: false, problem: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}` };
  }
  if (value === '') return { ok: false, problem: `${path} is empty` };
  const problem = check?.(value);
  return problem ? { ok: false, problem: `${path}: ${problem}` } : { ok: true, value };
}
