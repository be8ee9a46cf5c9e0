// The device cloud's NotificationMessage (what a webhook PUT carries and what a
// long poll returns), validated loosely: unknown fields are ignored, and a bad
// single notification is counted later instead of failing the whole batch.
import { z } from 'zod';

export const NotificationSchema = z.looseObject({
  ep: z.string().optional(),
  path: z.string().optional(),
  ct: z.string().optional(),
  payload: z.string().optional(),
  'max-age': z.union([z.string(), z.number()]).optional(),
  /** Extension: the CoAP Observe sequence number, when the cloud passes it on. */
  observe: z.int().min(0).max(0xffffff).optional(),
  /** Extension: when the device reported the value (ms since the epoch or RFC 3339). */
  timestamp: z.union([z.number(), z.string()]).optional(),
});
export type Notification = z.infer<typeof NotificationSchema>;

const EndpointSchema = z.looseObject({ ep: z.string().optional(), ept: z.string().optional() });

export const NotificationMessageSchema = z.looseObject({
  notifications: z.array(z.unknown()).optional(),
  registrations: z.array(EndpointSchema).optional(),
  'reg-updates': z.array(EndpointSchema).optional(),
  'de-registrations': z.array(z.string()).optional(),
  'registrations-expired': z.array(z.string()).optional(),
  'async-responses': z.array(z.unknown()).optional(),
});
export type NotificationMessage = z.infer<typeof NotificationMessageSchema>;

export const PRODUCT_ID_PATH = '/10341/0/26341';
export const ITEM_COUNT_PATH = '/10341/0/26342';
