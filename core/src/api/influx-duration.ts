// An InfluxQL retention duration (30d, 1h30m, INF). InfluxDB 1.x refuses a
// retention policy shorter than one hour (0 means infinite), so that is checked
// at admission rather than when the operator creates the policy.
import { z } from 'zod';

const unitSeconds = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const shortestSeconds = 3_600;

/** Seconds in a duration such as 2w3d or 90m; the string matches the schema's pattern. */
export function durationSeconds(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/([0-9]+)([wdhms])/g)) {
    total += Number(amount) * unitSeconds[unit as keyof typeof unitSeconds];
  }
  return total;
}

// The same sum in CEL: each unit's amounts, found by regex, times its seconds.
const celSeconds = Object.entries(unitSeconds)
  .map(
    ([unit, seconds]) =>
      `self.findAll('[0-9]+${unit}').map(x, int(x.substring(0, size(x) - 1))).sum() * ${seconds}`,
  )
  .join(' + ');

export function influxDuration(field: string) {
  const message = `${field} must be INF, 0s or at least 1h: InfluxDB keeps data for an hour at least`;
  return z
    .string()
    .max(32)
    .regex(/^(INF|([0-9]+(w|d|h|m|s))+)$/, 'must be an InfluxQL duration such as 30d or INF')
    .refine((d) => d === 'INF' || durationSeconds(d) === 0 || durationSeconds(d) >= shortestSeconds, {
      message,
    })
    .meta({
      'x-kubernetes-validations': [
        {
          // [x].all(seconds, …) names the sum once (this API server has no cel.bind).
          rule: `self == 'INF' || [${celSeconds}].all(seconds, seconds == 0 || seconds >= ${shortestSeconds})`,
          message,
        },
      ],
    });
}
