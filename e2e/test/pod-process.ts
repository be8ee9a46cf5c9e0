// Runs a container of a Pod (or a Deployment's pod template) as a local
// process with exactly the configuration the cluster holds for it: command,
// args, env (values, Secrets, ConfigMaps, field references resolved against the
// Pod) and ConfigMap volumes written to a directory that replaces the mount
// path. kwok plays the kubelet without running containers; this runs them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1PodSpec,
  type V1ObjectMeta,
} from '@kubernetes/client-node';
import { ManagedProcess } from '@shelfpulse/testenv';

export interface PodProcessOptions {
  name: string;
  namespace: string;
  /** The Pod's metadata, for fieldRef (`metadata.name`, `metadata.labels['…']`). */
  metadata: V1ObjectMeta;
  spec: V1PodSpec;
  container?: string;
  workDir: string;
  /** Repository root: the images' working directory. */
  cwd: string;
  /** Test-only changes, e.g. listen on loopback instead of 0.0.0.0. */
  envOverrides?: Record<string, string>;
  extraArgs?: string[];
}

function fieldValue(metadata: V1ObjectMeta, namespace: string, path: string): string {
  if (path === 'metadata.name') return metadata.name ?? '';
  if (path === 'metadata.namespace') return namespace;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return metadata.labels?.[label[1]!] ?? '';
  throw new Error(`fieldRef ${path} is not supported here`);
}

async function resolveEnv(
  core: CoreV1Api,
  options: PodProcessOptions,
  container: V1Container,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef?.name) {
      const cm = await core.readNamespacedConfigMap({
        name: from.configMapRef.name,
        namespace: options.namespace,
      });
      Object.assign(env, cm.data);
    }
    if (from.secretRef?.name) {
      const secret = await core.readNamespacedSecret({
        name: from.secretRef.name,
        namespace: options.namespace,
      });
      for (const [k, v] of Object.entries(secret.data ?? {})) env[k] = Buffer.from(v, 'base64').toString();
    }
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (from?.secretKeyRef) {
      const secret = await core.readNamespacedSecret({
        name: from.secretKeyRef.name!,
        namespace: options.namespace,
      });
      const value = secret.data?.[from.secretKeyRef.key];
      if (value === undefined)
        throw new Error(`Secret ${from.secretKeyRef.name} has no key ${from.secretKeyRef.key}`);
      env[variable.name] = Buffer.from(value, 'base64').toString();
    } else if (from?.configMapKeyRef) {
      const cm = await core.readNamespacedConfigMap({
        name: from.configMapKeyRef.name!,
        namespace: options.namespace,
      });
      env[variable.name] = cm.data?.[from.configMapKeyRef.key] ?? '';
    } else if (from?.fieldRef)
      env[variable.name] = fieldValue(options.metadata, options.namespace, from.fieldRef.fieldPath);
  }
  return env;
}

/**
 * Gives each volume mount a local directory and writes ConfigMap volumes there;
 * paths of other mounts inside those files (say, a spool directory on an
 * emptyDir) move with their mounts. Returns mount path → local directory.
 */
async function materialiseVolumes(
  core: CoreV1Api,
  options: PodProcessOptions,
  container: V1Container,
): Promise<Map<string, string>> {
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const dir = join(options.workDir, `${options.name}-${mount.name}`);
    mkdirSync(dir, { recursive: true });
    mounts.set(mount.mountPath, dir);
  }
  for (const mount of container.volumeMounts ?? []) {
    const volume = options.spec.volumes?.find((v) => v.name === mount.name);
    if (!volume?.configMap?.name) continue;
    const cm = await core.readNamespacedConfigMap({
      name: volume.configMap.name,
      namespace: options.namespace,
    });
    for (const [file, content] of Object.entries(cm.data ?? {})) {
      writeFileSync(join(mounts.get(mount.mountPath)!, file), remapText(content, mounts));
    }
  }
  return mounts;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every mount path in a text, in one pass (a replacement is never replaced again). */
function remapText(text: string, mounts: Map<string, string>): string {
  const paths = [...mounts.keys()].sort((a, b) => b.length - a.length);
  if (paths.length === 0) return text;
  const pattern = new RegExp(`(${paths.map(escape).join('|')})(?=/|$|[\\s"'])`, 'gm');
  return text.replace(pattern, (path) => mounts.get(path)!);
}

/** A path under a mount (alone or as `--flag=path`) moves to the mount's local directory. */
function remap(value: string, mounts: Map<string, string>): string {
  for (const [mountPath, dir] of mounts) {
    const match = new RegExp(`^(.*=)?${escape(mountPath)}(/.*)?$`).exec(value);
    if (match) return `${match[1] ?? ''}${dir}${match[2] ?? ''}`;
  }
  return value;
}

export async function startPodProcess(kc: KubeConfig, options: PodProcessOptions): Promise<ManagedProcess> {
  const core = kc.makeApiClient(CoreV1Api);
  const container = options.container
    ? options.spec.containers.find((c) => c.name === options.container)
    : options.spec.containers[0];
  if (!container) throw new Error(`no container ${options.container ?? ''} in ${options.name}`);
  const [command, ...commandArgs] = container.command ?? [];
  if (command !== 'node') throw new Error(`${options.name}: expected a node command, got ${command}`);
  const mounts = await materialiseVolumes(core, options, container);
  const resolved = await resolveEnv(core, options, container);
  const env = {
    ...Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, remap(v, mounts)])),
    ...options.envOverrides,
  };
  const args = [...commandArgs, ...(container.args ?? []), ...(options.extraArgs ?? [])].map((a) =>
    remap(a, mounts),
  );
  const child = new ManagedProcess({
    name: options.name,
    command: process.execPath,
    args,
    env,
    cwd: options.cwd,
    logFile: join(options.workDir, `${options.name}.log`),
  });
  child.start();
  return child;
}
