// containerd (Debian's package) as the test node's container runtime, with its
// CRI plugin serving the kubelet. Everything it writes lives in the node's
// directory, except what containerd and runc fix themselves (shim sockets
// under /run/containerd/s), which host-cleanup.ts removes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../managed-process.ts';
import { run, tryRun } from './host.ts';
import { netnsPath } from './network.ts';

export interface Containerd {
  process: ManagedProcess;
  socket: string;
  /** Imports an image archive into the namespace the kubelet uses. */
  importImage(archive: string): void;
  /** Kills every container, so nothing runs once the node stops. */
  killAllTasks(): void;
}

export const criNamespace = 'k8s.io';

export async function startContainerd(
  dir: string,
  options: { sandboxImage: string; cniConfDir: string },
): Promise<Containerd> {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `version = 2
root = "${join(dir, 'root')}"
state = "${join(dir, 'state')}"
[grpc]
  address = "${socket}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${options.sandboxImage}"
  # Root here lacks CAP_SYS_RESOURCE: runc cannot lower an OOM score below the
  # runtime's own, and sandboxes fail without this. Limits still apply.
  restrict_oom_score_adj = true
  # Pods' network namespaces under the state directory, not /run/netns.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "${join(dir, 'runc')}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${options.cniConfDir}"
`,
  );
  const process = new ManagedProcess({
    name: 'containerd',
    command: '/usr/bin/nsenter',
    args: [`--net=${netnsPath}`, '/usr/bin/containerd', '--config', config],
    logFile: join(dir, '..', 'containerd.log'),
  });
  process.start();
  const ctr = (...args: string[]): string =>
    run('/usr/bin/ctr', ['--address', socket, '--namespace', criNamespace, ...args]);
  await process.waitUntil(async () => tryRun('/usr/bin/ctr', ['--address', socket, 'version']), 30_000);
  return {
    process,
    socket,
    importImage: (archive) => void ctr('images', 'import', archive),
    killAllTasks: () => {
      if (!process.running) return;
      const tasks = ctr('tasks', 'list', '--quiet').split('\n').filter(Boolean);
      for (const id of tasks)
        tryRun('/usr/bin/ctr', [
          '--address',
          socket,
          '--namespace',
          criNamespace,
          'tasks',
          'kill',
          '--signal',
          'SIGKILL',
          id,
        ]);
    },
  };
}
