// Where a product sits on the shelf. The position is a tag on every point in
// InfluxDB, so the retailer can compare interaction by placement.
import { z } from 'zod';

export const positions = ['eye-level', 'top', 'waist', 'low', 'end-cap', 'checkout'] as const;

export const PositionSchema = z
  .enum(positions)
  .describe('Where the product sits: eye-level, top, waist, low, end-cap or checkout.');
export type Position = z.infer<typeof PositionSchema>;

/** How much more (or less) likely a passing shopper is to handle a product, by position. */
export const defaultAttractiveness: Record<Position, number> = {
  'eye-level': 1.0,
  top: 0.6,
  waist: 0.8,
  low: 0.45,
  'end-cap': 1.4,
  checkout: 1.1,
};

const productId = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'product ids use letters, digits, ".", "_" and "-"')
  .describe('The product id the shelf reports at /10341/0/26341.');

export const PlacementSchema = z
  .object({
    productId,
    position: PositionSchema,
    capacity: z.int().min(1).max(10_000).default(24).describe('Items the shelf holds when full.'),
    restockThreshold: z
      .int()
      .min(0)
      .max(10_000)
      .default(6)
      .describe('Staff restock to capacity when the count falls below this.'),
  })
  .refine((p) => p.restockThreshold < p.capacity, {
    message: 'restockThreshold must be lower than capacity',
    path: ['restockThreshold'],
  })
  .describe('One product on one shelf position.');
export type Placement = z.infer<typeof PlacementSchema>;

const samePlacementMessage =
  'a productId appears twice with a different position, capacity or restockThreshold: the bridge tags points by product, so one product has one placement per fleet';

/** Whether every product id has one placement (repeating the same placement gives it more shelves). */
export function onePlacementPerProduct(placements: readonly Placement[]): boolean {
  const byProduct = new Map<string, Placement>();
  for (const p of placements) {
    const seen = byProduct.get(p.productId);
    if (
      seen &&
      (seen.position !== p.position ||
        seen.capacity !== p.capacity ||
        seen.restockThreshold !== p.restockThreshold)
    )
      return false;
    byProduct.set(p.productId, p);
  }
  return true;
}

export const PlacementsSchema = z
  .array(
    PlacementSchema.meta({
      'x-kubernetes-validations': [
        {
          rule: 'self.restockThreshold < self.capacity',
          message: 'restockThreshold must be lower than capacity',
        },
      ],
    }),
  )
  .min(1)
  // The rule below compares every pair: 256 keeps its cost within the API server's budget.
  .max(256)
  .refine(onePlacementPerProduct, { message: samePlacementMessage })
  .describe('Products and positions; shelf i gets placements[i mod length].')
  .meta({
    'x-kubernetes-validations': [
      {
        rule: 'self.all(p, self.all(q, p.productId != q.productId || (p.position == q.position && p.capacity == q.capacity && p.restockThreshold == q.restockThreshold)))',
        message: samePlacementMessage,
      },
    ],
  });
