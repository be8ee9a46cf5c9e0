// The shopper model's parameters. Defaults describe an ordinary grocery aisle.
import { z } from 'zod';
import { PositionSchema } from './placement.ts';

/** Relative shopper traffic for each hour of the day: a morning and an evening peak. */
export const defaultDailyProfile = [
  0.05, 0.02, 0.02, 0.02, 0.03, 0.1, 0.3, 0.6, 0.9, 0.8, 0.7, 0.8, 1.0, 0.9, 0.7, 0.6, 0.7, 0.9, 1.0, 0.9,
  0.6, 0.4, 0.2, 0.1,
];

const pickupWeightsMessage =
  'spec.simulator.behaviour.pickupItemWeights needs at least one weight above 0: a shopper picks up at least one item';

export const BehaviourSchema = z
  .object({
    shoppersPerHour: z
      .number()
      .min(0)
      .max(100_000)
      .default(60)
      .describe('Shoppers passing one shelf per hour at the busiest hour of the daily profile.'),
    dailyProfile: z
      .array(z.number().min(0).max(1))
      .length(24)
      .default(defaultDailyProfile)
      .describe('24 relative traffic weights (0–1), one per hour of the day, local time.'),
    handleProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.25)
      .describe('Probability that a passing shopper handles a product placed at eye level.'),
    attractiveness: z
      .partialRecord(PositionSchema, z.number().min(0).max(10))
      .default({})
      .describe('Multiplier on handleProbability by position; unset positions use the built-in defaults.'),
    pickupItemWeights: z
      .array(z.number().min(0))
      .min(1)
      .max(20)
      .refine((weights) => weights.some((w) => w > 0), { message: pickupWeightsMessage })
      .default([0.8, 0.15, 0.05])
      .describe('Relative weights of picking up 1, 2, 3… items.')
      .meta({
        'x-kubernetes-validations': [{ rule: 'self.exists(w, w > 0)', message: pickupWeightsMessage }],
      }),
    putBackProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .describe('Probability that a shopper who picked items up puts some or all of them back.'),
    putBackAllProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.8)
      .describe('Given a put-back, probability that every picked item goes back (otherwise some).'),
    dwellSecondsMean: z
      .number()
      .min(0)
      .max(3600)
      .default(20)
      .describe('Mean time a shopper holds items before deciding (exponentially distributed).'),
    restockDelaySecondsMean: z
      .number()
      .min(0)
      .max(86_400)
      .default(600)
      .describe('Mean time before staff restock a shelf below its threshold.'),
  })
  .describe('Shopper behaviour model.');
export type Behaviour = z.infer<typeof BehaviourSchema>;
