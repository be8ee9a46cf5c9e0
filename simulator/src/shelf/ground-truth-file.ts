// Appends ground-truth records to a JSON Lines file as they happen.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { toJsonLine, type GroundTruthRecord } from './ground-truth.ts';

export class GroundTruthFile {
  readonly path: string;
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  private constructor(path: string, stream: WriteStream) {
    this.path = path;
    this.stream = stream;
    stream.on('error', (error) => {
      this.failure = error;
    });
  }

  /** Creates (truncates) the file; rejects with a clear error when it cannot be opened. */
  static async open(path: string): Promise<GroundTruthFile> {
    const stream = createWriteStream(path, { flags: 'w' });
    try {
      await once(stream, 'open');
    } catch (error) {
      throw new Error(`cannot write ground truth to ${path}: ${(error as Error).message}`, { cause: error });
    }
    return new GroundTruthFile(path, stream);
  }

  /** The write error, if writing failed since opening. */
  get error(): Error | undefined {
    return this.failure;
  }

  write(record: GroundTruthRecord): void {
    if (!this.failure) this.stream.write(toJsonLine(record));
  }

  async close(): Promise<void> {
    if (this.stream.closed) return;
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}
