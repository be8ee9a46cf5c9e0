// The real kubelet, built from the same Kubernetes release as the API server,
// in the node's network namespace, running pods through containerd's CRI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from '../bins.ts';
import { writeKubeconfig, type ClusterAccess } from '../kubeconfig.ts';
import { ManagedProcess } from '../managed-process.ts';
import { netnsPath, nodeNetwork } from './network.ts';

export const nodeName = 'shelfpulse-node';

export interface KubeletOptions {
  access: ClusterAccess;
  /** A static token of user system:node:<nodeName> in group system:nodes. */
  token: string;
  containerdSocket: string;
  /** CA of the client certificates the kubelet accepts (the API server's). */
  clientCaFile: string;
}

export function startKubelet(dir: string, options: KubeletOptions): ManagedProcess {
  mkdirSync(dir, { recursive: true });
  const kubeconfig = writeKubeconfig(
    join(dir, 'kubelet.kubeconfig'),
    options.access,
    `system:node:${nodeName}`,
    options.token,
  );
  // Pods resolve cluster names only: no upstream resolver leaks the host's.
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, '');
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // cgroups here are v1 (hybrid), without systemd: say so instead of failing.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    address: nodeNetwork.nodeAddress,
    port: 10250,
    readOnlyPort: 0,
    healthzPort: 0,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: options.clientCaFile },
    },
    authorization: { mode: 'Webhook' },
    clusterDNS: [nodeNetwork.dnsAddress],
    clusterDomain: 'cluster.local',
    resolvConf,
    containerRuntimeEndpoint: `unix://${options.containerdSocket}`,
    // Images come from archives and cannot be pulled again: never collect them,
    // and do not evict pods because the shared disk of a test machine is full.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    serializeImagePulls: false,
    // Status reaches the API server quickly, so tests wait less.
    nodeStatusUpdateFrequency: '2s',
    syncFrequency: '10s',
  };
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const process = new ManagedProcess({
    name: 'kubelet',
    command: '/usr/bin/nsenter',
    args: [
      `--net=${netnsPath}`,
      binary('kubelet'),
      `--config=${configFile}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(dir, 'root')}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--hostname-override=${nodeName}`,
      `--node-ip=${nodeNetwork.nodeAddress}`,
      '--v=1',
    ],
    logFile: join(dir, '..', 'kubelet.log'),
  });
  process.start();
  return process;
}
