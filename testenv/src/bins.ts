// Where the real server binaries live: built once by hack/ensure-bins.sh into a
// cache outside the repository, shared by every checkout on the machine.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type BinaryName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'influxd'
  | 'helm'
  | 'kubelet'
  | 'kube-proxy'
  | 'coredns'
  | 'pause'
  | 'influxd-init';

export function cacheDir(): string {
  return process.env['SHELFPULSE_CACHE'] ?? join(homedir(), '.cache', 'shelfpulse');
}

export function hasBinary(name: BinaryName): boolean {
  return existsSync(join(cacheDir(), 'bin', name));
}

export function binary(name: BinaryName): string {
  const path = join(cacheDir(), 'bin', name);
  if (!existsSync(path)) {
    throw new Error(`${name} is not built: expected ${path}. Run "make bins" (hack/ensure-bins.sh) first.`);
  }
  return path;
}
