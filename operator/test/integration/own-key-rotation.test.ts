// The operator's own device-cloud key, named as a Secret in its namespace (as
// the chart does), is read again after SHELFPULSE_DEVICE_CLOUD_API_KEY_REFRESH_MS:
// a rotated key reaches the device cloud without a restart. A test HTTP server
// stands for the operator's own device cloud and records the keys it is sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@shelfpulse/testenv';
import { apiVersion } from '@shelfpulse/core/api/group';
import type { KubeClient } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { startOperator, type RunningOperator } from '../../src/operator.ts';
import { clusterWithCrds, testOperatorConfig } from './support.ts';

describe("the operator's own device-cloud key", () => {
  let client: KubeClient;
  let namespace: string;
  let operator: RunningOperator;
  let cloud: Server;
  const keysSeen = new Set<string>();

  beforeAll(async () => {
    ({ client, namespace } = await clusterWithCrds('own-key'));
    cloud = createServer((req, res) => {
      keysSeen.add(req.headers.authorization ?? '');
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"unknown key"}');
    });
    await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
    await client.create(resourcePath(resources.secrets, namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'device-cloud' },
      stringData: { 'api-key': 'key-before-rotation' },
    });
    operator = await startOperator(
      testOperatorConfig(namespace, {
        deviceCloudUrl: `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`,
        // What the environment had at start; the Secret wins once read.
        deviceCloudApiKey: 'key-from-the-environment',
        deviceCloudApiKeySecret: 'device-cloud/api-key',
        deviceCloudApiKeyRefreshMs: 500,
      }),
      { processMetrics: false },
    );
  });
  afterAll(async () => {
    await operator?.close();
    await new Promise((r) => cloud?.close(r));
  });

  it('is read from its Secret, and a rotated key is used without a restart', async () => {
    await client.create(resourcePath(resources.shelfFleets, namespace), {
      apiVersion,
      kind: 'ShelfFleet',
      metadata: { name: 'aisle-1' },
      spec: { devices: { endpointNamePrefix: 'k-' }, placements: [{ productId: 'tea', position: 'top' }] },
    });
    await eventually('the first key used', async () =>
      keysSeen.has('Bearer key-before-rotation') ? true : undefined,
    );
    await client.mergePatch(resourcePath(resources.secrets, namespace, 'device-cloud'), {
      stringData: { 'api-key': 'key-after-rotation' },
    });
    await eventually('the rotated key used', async () =>
      keysSeen.has('Bearer key-after-rotation') ? true : undefined,
    );
    expect(keysSeen.has('Bearer key-from-the-environment')).toBe(false);
  });
});
