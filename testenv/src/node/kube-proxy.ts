// The real kube-proxy (iptables mode) in the node's network namespace, so
// ClusterIP Services work for pods as in a cluster. Its rules stay in that
// namespace; it is told not to change the host-wide conntrack table size.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from '../bins.ts';
import { writeKubeconfig, type ClusterAccess } from '../kubeconfig.ts';
import { ManagedProcess } from '../managed-process.ts';
import { nodeName } from './kubelet.ts';
import { netnsPath, nodeNetwork } from './network.ts';

/** The user of kube-proxy's static token; bound to the built-in system:node-proxier role. */
export const kubeProxyUser = 'system:kube-proxy';

export function startKubeProxy(dir: string, access: ClusterAccess, token: string): ManagedProcess {
  mkdirSync(dir, { recursive: true });
  const kubeconfig = writeKubeconfig(join(dir, 'kube-proxy.kubeconfig'), access, kubeProxyUser, token);
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    hostnameOverride: nodeName,
    mode: 'iptables',
    clusterCIDR: nodeNetwork.podCidr,
    // nf_conntrack_max is host-wide: leave it as it is.
    conntrack: { maxPerCore: 0 },
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '127.0.0.1:10256',
    nodePortAddresses: ['primary'],
  };
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const process = new ManagedProcess({
    name: 'kube-proxy',
    command: '/usr/bin/nsenter',
    args: [`--net=${netnsPath}`, binary('kube-proxy'), `--config=${configFile}`, '--v=1'],
    logFile: join(dir, '..', 'kube-proxy.log'),
  });
  process.start();
  return process;
}
