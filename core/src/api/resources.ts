// CPU and memory of a simulator pod as Kubernetes quantities. What the API
// server would refuse for the StatefulSet's pods (a request above its limit) is
// refused on the ShelfFleet already, where the user wrote it.
import { z } from 'zod';

const suffixes = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 } as const;

const cpu = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi)?$/, 'must be a quantity such as 100m or 2');
// "m" is a thousandth: 256m of memory is a quarter of a byte, never what was meant.
const memory = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(k|Ki|M|Mi|G|Gi)?$/, 'must be a quantity of bytes such as 64Mi or 1Gi');

/** The value of a quantity the schema accepted, in cores or bytes. */
export function quantityValue(quantity: string): number {
  const [, number, suffix] = /^([0-9.]+)(.*)$/.exec(quantity)!;
  return Number(number) * suffixes[suffix as keyof typeof suffixes];
}

const quantities = z
  .object({
    cpu: cpu.optional().describe('CPU cores, e.g. 100m or 2.'),
    memory: memory.optional().describe('Memory in bytes, e.g. 64Mi.'),
  })
  .optional();

const resourceNames = ['cpu', 'memory'] as const;
const exceedsMessage = (r: string) => `spec.simulator.resources.requests.${r} must not exceed limits.${r}`;

export const ResourcesSchema = z
  .object({
    requests: quantities.describe('Requested cpu and memory.'),
    limits: quantities.describe('cpu and memory limits.'),
  })
  .superRefine((value, ctx) => {
    for (const r of resourceNames) {
      const request = value.requests?.[r];
      const limit = value.limits?.[r];
      if (request && limit && quantityValue(request) > quantityValue(limit)) {
        ctx.addIssue({ code: 'custom', message: exceedsMessage(r), path: ['requests', r] });
      }
    }
  })
  .describe('Resources of each simulator pod.')
  .meta({
    'x-kubernetes-validations': resourceNames.map((r) => ({
      rule: `!has(self.requests) || !has(self.limits) || !has(self.requests.${r}) || !has(self.limits.${r}) || quantity(self.requests.${r}).compareTo(quantity(self.limits.${r})) <= 0`,
      message: exceedsMessage(r),
    })),
  });
