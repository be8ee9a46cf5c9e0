// What really happened on each shelf: one record per count change, exported as
// JSON Lines so the interactions derived downstream can be scored against it.
import { z } from 'zod';
import { PositionSchema } from '@shelfpulse/core/api/placement';

export const shelfEventKinds = ['pickup', 'putback', 'restock'] as const;
export const ShelfEventKindSchema = z.enum(shelfEventKinds);
export type ShelfEventKind = z.infer<typeof ShelfEventKindSchema>;

/** One count change produced by the shopper model (simulated time in epoch ms). */
export const ShelfEventSchema = z.object({
  kind: ShelfEventKindSchema,
  timeMs: z.number().describe('Simulated time, epoch milliseconds.'),
  items: z.int().min(1).describe('Items taken (pickup) or added (putback, restock).'),
  count: z.int().min(0).describe('Item count on the shelf after the event.'),
  shopper: z
    .int()
    .min(1)
    .optional()
    .describe('Per-shelf shopper number; links a putback to its pickup. Absent for restocks.'),
});
export type ShelfEvent = z.infer<typeof ShelfEventSchema>;

/** One line of the ground-truth file. */
export const GroundTruthRecordSchema = ShelfEventSchema.extend({
  time: z.iso.datetime().describe('Simulated time (ISO 8601, UTC).'),
  wallTime: z.iso.datetime().optional().describe('Real time the count change was sent to the server.'),
  fleet: z.string(),
  namespace: z.string(),
  endpoint: z.string().describe('LwM2M endpoint name (the device id in the cloud).'),
  shelf: z.int().min(0).describe('Global shelf index.'),
  productId: z.string(),
  position: PositionSchema,
});
export type GroundTruthRecord = z.infer<typeof GroundTruthRecordSchema>;

export function toJsonLine(record: GroundTruthRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Parses a ground-truth file's text; throws naming the line of a bad record. */
export function parseGroundTruth(text: string): GroundTruthRecord[] {
  const records: GroundTruthRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new Error(`ground truth line ${i + 1}: not JSON (${(error as Error).message})`, { cause: error });
    }
    const parsed = GroundTruthRecordSchema.safeParse(json);
    if (!parsed.success) throw new Error(`ground truth line ${i + 1}: ${z.prettifyError(parsed.error)}`);
    records.push(parsed.data);
  }
  return records;
}
