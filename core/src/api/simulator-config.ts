// The configuration file of one shelf-sim process. The operator renders it from
// a ShelfFleet into the simulator workload; `shelf-sim --config` reads it.
import { z } from 'zod';
import { BehaviourSchema } from './behaviour.ts';
import { PlacementSchema } from './placement.ts';

export const SimulatorConfigSchema = z
  .object({
    fleet: z.string().min(1).describe('ShelfFleet name (tag `fleet`).'),
    namespace: z.string().min(1).default('default').describe('ShelfFleet namespace (tag `namespace`).'),
    store: z.string().default('').describe('Store identifier (tag `store`).'),
    aisle: z.string().default('').describe('Aisle identifier (tag `aisle`).'),
    endpointPrefix: z
      .string()
      .min(1)
      .max(48)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .describe('LwM2M endpoint names are `<endpointPrefix><global shelf index>`; stable across restarts.'),
    endpointType: z
      .string()
      .default('smart-shelf')
      .describe('LwM2M endpoint type (`et`) sent at registration.'),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.int().min(1).max(65_535).default(5683),
      })
      .describe('LwM2M server (the device cloud) over CoAP/UDP.'),
    lifetimeSeconds: z.int().min(30).max(86_400).default(300).describe('Registration lifetime.'),
    replicaIndex: z.int().min(0).default(0).describe('Which replica this process is (StatefulSet ordinal).'),
    shelvesPerReplica: z.int().min(1).max(10_000).default(1).describe('Shelves simulated by one process.'),
    placements: z
      .array(PlacementSchema)
      .min(1)
      .describe('Products and positions; shelf i gets placements[i mod length].'),
    behaviour: BehaviourSchema.default(BehaviourSchema.parse({})),
    speedup: z.number().min(0.001).max(10_000).default(1).describe('Simulated seconds per real second.'),
    seed: z.int().min(0).default(1).describe('Random seed; the same seed gives the same shoppers.'),
  })
  .describe('shelf-sim configuration.');
export type SimulatorConfig = z.infer<typeof SimulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof SimulatorConfigSchema>;

/** The global index of shelf `local` of this replica: it names the device. */
export function globalShelfIndex(config: SimulatorConfig, local: number): number {
  return config.replicaIndex * config.shelvesPerReplica + local;
}

export function endpointName(config: SimulatorConfig, local: number): string {
  return `${config.endpointPrefix}${globalShelfIndex(config, local)}`;
}
