// What the test node leaves on the host, removed in the order that lets each
// step succeed: processes first (containers, then the containerd shims, which
// outlive containerd), then mounts, then files, cgroups and the network.
// Runs after a normal stop and, for a run that was killed, before the next
// start. It touches only what the node made: its directory, the fixed paths
// kubelet and containerd use whatever they are told (listed below), and the
// cgroups named kubepods that its kubelet creates.
import { existsSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unmountAll } from './host.ts';
import { removeNodeNetwork } from './network.ts';

const cgroupRoot = '/sys/fs/cgroup';
const podCgroup = 'kubepods';
/** Paths the kubelet and containerd use whatever their configuration says. */
const fixedPaths = {
  devicePlugins: '/var/lib/kubelet/device-plugins',
  podLogs: '/var/log/pods',
  containerLogs: '/var/log/containers',
  cniCache: '/var/lib/cni',
  shimSockets: '/run/containerd/s',
};
/** Every node directory lives under a test environment's directory with this marker. */
export const nodeDirMarker = 'shelfpulse-env-';

export async function cleanUpHost(nodeDir?: string): Promise<void> {
  killPodProcesses();
  killShims();
  for (const dir of nodeDir ? [nodeDir] : abandonedNodeDirs()) unmountAll(dir);
  removeCgroups();
  rmSync(fixedPaths.devicePlugins, { recursive: true, force: true });
  removeIfEmpty('/var/lib/kubelet');
  for (const dir of [fixedPaths.podLogs, fixedPaths.containerLogs]) {
    rmSync(dir, { recursive: true, force: true });
  }
  removeCniCache();
  await removeDeadShimSockets();
  removeNodeNetwork();
}

/** Node directories of earlier runs, which may still hold mounts. */
function abandonedNodeDirs(): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith(nodeDirMarker))
    .map((name) => join(tmpdir(), name, 'node'));
}

function pidsOf(cgroupDir: string): number[] {
  const pids: number[] = [];
  const walk = (dir: string): void => {
    const procs = join(dir, 'cgroup.procs');
    if (existsSync(procs)) pids.push(...readFileSync(procs, 'utf8').split('\n').filter(Boolean).map(Number));
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  if (existsSync(cgroupDir)) walk(cgroupDir);
  return pids;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function killPodProcesses(): void {
  for (const pid of pidsOf(join(cgroupRoot, 'pids', podCgroup))) kill(pid);
}

/** containerd-shim-runc-v2 processes started for a test node's containerd. */
function killShims(): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('containerd-shim') && cmdline.includes(nodeDirMarker)) kill(Number(entry));
  }
}

/** A cgroup can be removed once its processes are gone; children first. */
function removeCgroups(): void {
  for (const controller of readdirSync(cgroupRoot)) {
    const dir = join(cgroupRoot, controller, podCgroup);
    if (existsSync(dir)) removeCgroupTree(dir);
  }
}

function removeCgroupTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      // EBUSY while the kernel finishes tearing down the last process.
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function removeCniCache(): void {
  const results = join(fixedPaths.cniCache, 'results');
  if (existsSync(results)) {
    for (const name of readdirSync(results)) {
      if (name.startsWith('shelfpulse-')) rmSync(join(results, name), { force: true });
    }
  }
  removeIfEmpty(results);
  removeIfEmpty(fixedPaths.cniCache);
}

/** Shim sockets nobody listens on any more (never one that still answers). */
async function removeDeadShimSockets(): Promise<void> {
  if (!existsSync(fixedPaths.shimSockets)) return;
  for (const name of readdirSync(fixedPaths.shimSockets)) {
    const path = join(fixedPaths.shimSockets, name);
    if (!statSync(path).isSocket()) continue;
    const alive = await new Promise<boolean>((resolve) => {
      const socket = connect(path);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (!alive) rmSync(path, { force: true });
  }
  removeIfEmpty(fixedPaths.shimSockets);
  removeIfEmpty('/run/containerd');
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, or not there.
  }
}
