// The test node's network: a network namespace of the test environment's
// own, joined to the host by a veth pair. The node's processes (containerd,
// kubelet, kube-proxy) run inside it, so the pods' bridge, kube-proxy's
// iptables rules and the forwarding sysctls live there and never on the host.
// The host gains only the veth end and a route to the pod network through it,
// both gone when the namespace is deleted.
import { existsSync } from 'node:fs';
import { run, tryRun } from './host.ts';

export const nodeNetwork = {
  /** Under /run/netns, where `ip netns` and containerd keep namespaces. */
  netns: 'shelfpulse-node',
  hostInterface: 'shelfpulse0',
  /** The API server listens here; the node reaches it through the veth. */
  hostAddress: '10.213.0.1',
  nodeAddress: '10.213.0.2',
  prefixLength: 30,
  podCidr: '10.214.0.0/24',
  serviceCidr: '10.0.0.0/24',
  /** The cluster DNS Service's ClusterIP, inside serviceCidr. */
  dnsAddress: '10.0.0.10',
} as const;

export const netnsPath = `/run/netns/${nodeNetwork.netns}`;

export function createNodeNetwork(): void {
  removeNodeNetwork();
  const { netns, hostInterface, hostAddress, nodeAddress, prefixLength, podCidr } = nodeNetwork;
  run('ip', ['netns', 'add', netns]);
  run('ip', ['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  run('ip', ['addr', 'add', `${hostAddress}/${prefixLength}`, 'dev', hostInterface]);
  run('ip', ['link', 'set', hostInterface, 'up']);
  run('ip', ['-n', netns, 'addr', 'add', `${nodeAddress}/${prefixLength}`, 'dev', 'eth0']);
  run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
  run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', netns, 'route', 'add', 'default', 'via', hostAddress]);
  // Tests on the host reach pods directly (InfluxDB, the emulator) through the node.
  run('ip', ['route', 'add', podCidr, 'via', nodeAddress, 'dev', hostInterface]);
}

/** Deleting the namespace deletes its end of the veth, and so the pair and the route. */
export function removeNodeNetwork(): void {
  tryRun('ip', ['link', 'delete', nodeNetwork.hostInterface]);
  if (existsSync(netnsPath)) tryRun('ip', ['netns', 'delete', nodeNetwork.netns]);
}
