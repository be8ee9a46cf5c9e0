// ShelfFleet: a set of shelves that belong together (an aisle, a promotion),
// real devices and/or simulated ones. The CRD is generated from these schemas.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { z } from 'zod';
import { BehaviourSchema } from './behaviour.ts';
import { ConditionsSchema, SecretKeyRefSchema, objectName } from './condition.ts';
import { httpUrl } from './http-url.ts';
import { PlacementsSchema } from './placement.ts';
import { ResourcesSchema } from './resources.ts';

const endpointPrefix = z
  .string()
  .min(1)
  .max(48)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'endpoint name prefixes use letters, digits, ".", "_" and "-"');

export const DevicesSchema = z
  .object({
    endpointNamePrefix: endpointPrefix
      .optional()
      .describe(
        'Devices whose LwM2M endpoint name starts with this belong to the fleet. Simulated shelves are named `<prefix><index>`; without a prefix they use `<namespace>.<name>.`.',
      ),
    endpointType: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('Devices of this LwM2M endpoint type belong to the fleet.'),
  })
  .describe('Which devices of the device cloud belong to the fleet.')
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'has(self.endpointNamePrefix) || has(self.endpointType)',
        message: 'spec.devices needs endpointNamePrefix or endpointType (or both)',
      },
    ],
  });

export const SimulatorSchema = z
  .object({
    shelvesPerReplica: z
      .int()
      .min(1)
      .max(1000)
      .default(4)
      .describe('Shelves (LwM2M clients) simulated by one pod.'),
    behaviour: BehaviourSchema.optional().describe(
      'Shopper behaviour model; defaults describe an ordinary aisle.',
    ),
    speedup: z.number().min(0.001).max(10_000).default(1).describe('Simulated seconds per real second.'),
    seed: z
      .int()
      .min(0)
      .max(2_147_483_647)
      .default(1)
      .describe('Random seed; the same seed gives the same shoppers.'),
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(/^\S+$/, 'an image reference has no spaces')
      .optional()
      .describe("Simulator container image; defaults to the operator's configured image."),
    resources: ResourcesSchema.optional(),
  })
  .describe(
    'Simulated shelves: one StatefulSet pod per spec.replicas, each simulating shelvesPerReplica shelves.',
  )
  .meta({
    // The API server checks a fractional minimum against an integer value as
    // an integer (0 >= int(0.001) passes), so the lower bound is a CEL rule too.
    'x-kubernetes-validations': [
      {
        rule: '!has(self.speedup) || self.speedup >= 0.001',
        message: 'spec.simulator.speedup must be at least 0.001',
      },
    ],
  });

export const DeviceCloudSchema = z
  .object({
    apiUrl: httpUrl('spec.deviceCloud.apiUrl', 'spec.deviceCloud.apiKeySecretRef')
      .optional()
      .describe("Device Management API URL; defaults to the operator's configured device cloud."),
    apiKeySecretRef: SecretKeyRefSchema.optional().describe('Secret key holding the device-cloud API key.'),
  })
  .describe("The device-cloud connection; unset fields use the operator's configured defaults.");

export const ShelfFleetSpecSchema = z
  .object({
    replicas: z
      .int()
      .min(0)
      .max(1000)
      .default(1)
      .describe('Simulator pods (scale subresource). Ignored without spec.simulator.'),
    devices: DevicesSchema.optional(),
    placements: PlacementsSchema,
    simulator: SimulatorSchema.optional(),
    deviceCloud: DeviceCloudSchema.optional(),
    sinks: z
      .array(objectName)
      .max(16)
      .refine((names) => new Set(names).size === names.length, {
        message: 'spec.sinks names a MetricSink twice',
      })
      .default([])
      .describe("Names of MetricSinks in the same namespace that receive the fleet's data.")
      .meta({ 'x-kubernetes-list-type': 'set' }),
    store: z.string().max(63).default('').describe('Store identifier (tag `store`).'),
    aisle: z.string().max(63).default('').describe('Aisle identifier (tag `aisle`).'),
  })
  .describe('Desired state of a ShelfFleet.')
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'has(self.devices) || has(self.simulator)',
        message: 'a ShelfFleet must name its devices (spec.devices) or a simulator (spec.simulator)',
      },
    ],
  });
export type ShelfFleetSpec = z.infer<typeof ShelfFleetSpecSchema>;

export const ShelfFleetStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation this status describes.'),
    replicas: z.int().min(0).optional().describe('Simulator pods that exist (scale subresource).'),
    readyReplicas: z.int().min(0).optional().describe('Simulator pods that are ready.'),
    selector: z.string().optional().describe('Label selector of the simulator pods (scale subresource).'),
    registeredDevices: z
      .int()
      .min(0)
      .optional()
      .describe('Devices of the fleet registered at the device cloud.'),
    subscribedDevices: z.int().min(0).optional().describe('Registered devices with resource subscriptions.'),
    conditions: ConditionsSchema,
  })
  .describe('Observed state of a ShelfFleet.');
export type ShelfFleetStatus = z.infer<typeof ShelfFleetStatusSchema>;

/**
 * Rules on the whole object, for what the name becomes: the value of the
 * label shelfpulse.io/fleet (63 characters at most), and for simulated shelves
 * the prefix of pod hostnames (a DNS label, so no dots).
 */
export const shelfFleetObjectRules = [
  {
    rule: 'size(self.metadata.name) <= 63',
    message: 'metadata.name must be at most 63 characters: it is the value of the label shelfpulse.io/fleet',
  },
  {
    rule: "!has(self.spec) || !has(self.spec.simulator) || !self.metadata.name.contains('.')",
    message:
      'metadata.name must be a DNS label (no ".") for a fleet with spec.simulator: it names the simulator pods, whose hostnames have no dots',
  },
];

export const shelfFleetNames = {
  kind: 'ShelfFleet',
  plural: 'shelffleets',
  singular: 'shelffleet',
  shortNames: ['sf'],
} as const;

/** A ShelfFleet as the API server returns it (metadata kept loose). */
export interface ShelfFleet {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: ShelfFleetSpec;
  status?: ShelfFleetStatus;
}
