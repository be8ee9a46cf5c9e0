// The simulator workload of a ShelfFleet, computed from its spec: a ConfigMap
// with the shelf-sim configuration and a StatefulSet whose pod ordinals keep
// each shelf's device name stable across restarts and rescheduling.
import { createHash } from 'node:crypto';
import { fleetEndpointPrefix } from '@shelfpulse/core/api/endpoint-prefix';
import { apiVersion as shelfpulseApiVersion } from '@shelfpulse/core/api/group';
import type { ShelfFleet } from '@shelfpulse/core/api/shelf-fleet';
import { SimulatorConfigSchema, type SimulatorConfig } from '@shelfpulse/core/api/simulator-config';
import type { KubeObject } from '@shelfpulse/core/kube/client';
import { errorMessage } from '@shelfpulse/core/runtime/controller';
import { notManaged } from '../config.ts';
import { fieldManager } from '../field-manager.ts';
import type { Failure, SimulatorState } from './status.ts';

export const managedByLabel = 'app.kubernetes.io/managed-by';
export const fleetLabel = 'shelfpulse.io/fleet';
export const configFileName = 'config.json';
/** shelf-sim's /healthz, /readyz and /metrics (Prometheus). */
export const statusPort = 9464;
export const configMountPath = '/etc/shelf-sim';
/** The simulator reads its replica index from here (the StatefulSet pod ordinal). */
export const replicaIndexEnv = 'SHELF_SIM_REPLICA_INDEX';

export interface WorkloadSettings {
  image: string;
  lwm2mHost: string;
  lwm2mPort: number;
}

/** StatefulSet names end up in pod labels (≤ 63 with a hash suffix), so long fleet names are shortened. */
export function workloadName(fleetName: string): string {
  const name = `${fleetName}-sim`;
  if (name.length <= 47) return name;
  const hash = createHash('sha256').update(fleetName).digest('hex').slice(0, 6);
  return `${fleetName.slice(0, 36).replace(/[-.]+$/, '')}-${hash}-sim`;
}

export function selectorLabels(fleetName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'shelf-sim', [fleetLabel]: fleetName };
}

export function selectorString(fleetName: string): string {
  return Object.entries(selectorLabels(fleetName))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * What the fleet's workload should be:
 * - without spec.simulator, none: a previous workload is removed;
 * - in a namespace the operator does not manage, refused (it may not write there);
 * - with a spec that makes no valid simulator configuration, refused with the reason;
 * - else the ConfigMap and the StatefulSet, applied in that order (pods read the ConfigMap).
 * Refusals wait for a change of the fleet or of the settings; they are not retried.
 */
export type WorkloadPlan =
  | { kind: 'remove' }
  | { kind: 'refuse'; failure: Failure }
  | { kind: 'apply'; configMap: KubeObject; statefulSet: KubeObject };

export function workloadPlan(fleet: ShelfFleet, settings: WorkloadSettings, managed: boolean): WorkloadPlan {
  if (!fleet.spec.simulator) return { kind: 'remove' };
  if (!managed) {
    return {
      kind: 'refuse',
      failure: { reason: 'NamespaceNotManaged', message: notManaged(fleet.metadata.namespace!) },
    };
  }
  let config: SimulatorConfig;
  try {
    config = simulatorConfig(fleet, settings);
  } catch (error) {
    return {
      kind: 'refuse',
      failure: { reason: 'InvalidSimulatorConfig', message: errorMessage(error) },
    };
  }
  return {
    kind: 'apply',
    configMap: desiredConfigMap(fleet, config),
    statefulSet: desiredStatefulSet(fleet, config, settings),
  };
}

/** The simulator's state from the StatefulSet the API server returned for the apply. */
export function simulatorState(
  wanted: number,
  sts: { metadata?: { generation?: number }; status?: Record<string, number> },
): SimulatorState {
  const status = sts.status ?? {};
  return {
    wanted,
    replicas: status['replicas'] ?? 0,
    ready: status['readyReplicas'] ?? 0,
    // The StatefulSet controller has seen the spec just applied.
    current: (status['observedGeneration'] ?? 0) >= (sts.metadata?.generation ?? 0),
  };
}

/** The shelf-sim configuration; throws a readable error when the spec cannot make a valid one. */
export function simulatorConfig(fleet: ShelfFleet, settings: WorkloadSettings): SimulatorConfig {
  const simulator = fleet.spec.simulator;
  if (!simulator) throw new Error('the fleet has no simulator block');
  const prefix =
    fleetEndpointPrefix({
      namespace: fleet.metadata.namespace!,
      name: fleet.metadata.name!,
      spec: fleet.spec,
    }) ?? '';
  if (prefix.length > 48) {
    throw new Error(
      `the default endpoint name prefix "${prefix}" is longer than 48 characters: set spec.devices.endpointNamePrefix`,
    );
  }
  const parsed = SimulatorConfigSchema.safeParse({
    fleet: fleet.metadata.name,
    namespace: fleet.metadata.namespace,
    store: fleet.spec.store,
    aisle: fleet.spec.aisle,
    endpointPrefix: prefix,
    endpointType: fleet.spec.devices?.endpointType ?? 'smart-shelf',
    server: { host: settings.lwm2mHost, port: settings.lwm2mPort },
    shelvesPerReplica: simulator.shelvesPerReplica,
    placements: fleet.spec.placements,
    ...(simulator.behaviour ? { behaviour: simulator.behaviour } : {}),
    speedup: simulator.speedup,
    seed: simulator.seed,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `the simulator configuration is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

function ownerReference(fleet: ShelfFleet) {
  return {
    apiVersion: shelfpulseApiVersion,
    kind: 'ShelfFleet',
    name: fleet.metadata.name!,
    uid: fleet.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labels(fleet: ShelfFleet): Record<string, string> {
  return {
    ...selectorLabels(fleet.metadata.name!),
    'app.kubernetes.io/instance': fleet.metadata.name!,
    'app.kubernetes.io/component': 'simulator',
    'app.kubernetes.io/part-of': 'shelfpulse',
    [managedByLabel]: fieldManager,
  };
}

export function desiredConfigMap(fleet: ShelfFleet, config: SimulatorConfig): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: workloadName(fleet.metadata.name!),
      namespace: fleet.metadata.namespace!,
      labels: labels(fleet),
      ownerReferences: [ownerReference(fleet)],
    },
    data: { [configFileName]: JSON.stringify(config, null, 2) + '\n' },
  };
}

export function desiredStatefulSet(
  fleet: ShelfFleet,
  config: SimulatorConfig,
  settings: WorkloadSettings,
): KubeObject {
  const simulator = fleet.spec.simulator!;
  const name = workloadName(fleet.metadata.name!);
  const configHash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
  const resources = simulator.resources ?? {
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { memory: '256Mi' },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name,
      namespace: fleet.metadata.namespace!,
      labels: labels(fleet),
      ownerReferences: [ownerReference(fleet)],
    },
    spec: {
      replicas: fleet.spec.replicas,
      serviceName: name,
      // Shelves are independent: start and stop them all at once.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorLabels(fleet.metadata.name!) },
      template: {
        metadata: {
          labels: labels(fleet),
          annotations: { 'shelfpulse.io/config-hash': configHash },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'shelf-sim',
              image: simulator.image ?? settings.image,
              command: [
                'node',
                'simulator/bin/shelf-sim.js',
                '--config',
                `${configMountPath}/${configFileName}`,
                '--http',
                `0.0.0.0:${statusPort}`,
              ],
              ports: [{ name: 'metrics', containerPort: statusPort }],
              // Ready once every shelf of the pod is registered with the device cloud.
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 20 },
              env: [
                {
                  name: replicaIndexEnv,
                  valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
                },
                { name: 'SHELF_SIM_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'config', mountPath: configMountPath, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name } },
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };
}
