// Runs `node operator/bin/operator.ts` as a separate process, as in a pod:
// configuration from the environment, JSON logs on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { scrapeMetric } from '@shelfpulse/testenv';

const sourceBin = join(import.meta.dirname, '..', '..', 'bin', 'operator.ts');

export interface OperatorProcess {
  process: ChildProcess;
  url: string;
  logs: Array<Record<string, unknown>>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `args` default to the TypeScript entry point; the benchmark passes node flags and the compiled one (as in the image). */
export async function spawnOperator(
  env: Record<string, string>,
  args: string[] = [sourceBin],
): Promise<OperatorProcess> {
  const child = spawn(process.execPath, args, {
    // The address comes from the info-level 'operator started' line.
    env: {
      PATH: process.env['PATH'] ?? '',
      SHELFPULSE_LISTEN_PORT: '0',
      ...env,
      SHELFPULSE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry['msg'] === 'operator started') resolve(String(entry['url']));
      } catch {
        logs.push({ raw: line });
      }
    });
    child.once('exit', (code) => reject(new Error(`operator exited with ${code}: ${stderr}`)));
  });
  const url = await started;
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    process: child,
    url,
    logs,
    metric: (name, labels = {}) => scrapeMetric(url, name, labels),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
