// A real single-member etcd on loopback, data in a temporary directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './bins.ts';
import { getStatus } from './http-probe.ts';
import { ManagedProcess } from './managed-process.ts';
import { freePort } from './ports.ts';

export interface Etcd {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startEtcd(workDir: string): Promise<Etcd> {
  const dataDir = join(workDir, 'etcd');
  mkdirSync(dataDir, { recursive: true });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const process = new ManagedProcess({
    name: 'etcd',
    command: binary('etcd'),
    logFile: join(workDir, 'etcd.log'),
    args: [
      '--name=default',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      // Test data is thrown away: skip fsync, which dominates etcd latency on slow disks.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
  });
  process.start();
  await process.waitUntil(async () => (await getStatus(`${url}/health`)) === 200, 30_000);
  return { url, process, stop: () => process.stop() };
}
