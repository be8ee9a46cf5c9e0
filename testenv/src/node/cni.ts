// The pods' network on the test node: CNI's reference plugins from Debian
// (bridge, host-local, portmap, loopback) in a bridge named cni0 inside the
// node's namespace. Pod traffic that leaves the pod network is masqueraded to
// the node's address, so the host needs no route back for it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeNetwork } from './network.ts';

export function writeCniConfig(dir: string): string {
  const confDir = join(dir, 'net.d');
  mkdirSync(confDir, { recursive: true });
  const conflist = {
    cniVersion: '0.4.0',
    name: 'shelfpulse',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: true,
        // A pod reaching itself through a Service comes back over the bridge.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: nodeNetwork.podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: join(dir, 'ipam'),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  writeFileSync(join(confDir, '10-shelfpulse.conflist'), JSON.stringify(conflist, null, 2));
  return confDir;
}
