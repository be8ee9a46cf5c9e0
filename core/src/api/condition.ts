// Kubernetes-style status conditions (metav1.Condition), shared by both kinds.
import { z } from 'zod';

export const ConditionSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .describe('Condition type, e.g. Ready, Subscribed, SimulatorAvailable, SinkReady.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    reason: z.string().min(1).max(1024).describe('One CamelCase word a person or a tool can act on.'),
    message: z.string().max(32_768).default('').describe('What happened, in a sentence.'),
    lastTransitionTime: z.iso.datetime().describe('When status last changed.'),
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe('The .metadata.generation the condition describes.'),
  })
  .describe('One observation of the state of the object.');
export type Condition = z.infer<typeof ConditionSchema>;

export const ConditionsSchema = z
  .array(ConditionSchema)
  .max(16)
  .optional()
  .describe('Current conditions, one per type.')
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

/** A DNS-1123 subdomain reference to an object in the same namespace. */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a lowercase DNS name');

/** A key of a Secret's data, as the API server allows it. */
export const secretKey = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/, 'a Secret key uses letters, digits, "-", "_" and "."');

export const SecretKeyRefSchema = z
  .object({
    name: objectName.describe('Name of a Secret in the same namespace.'),
    key: secretKey.describe('Key inside the Secret.'),
  })
  .describe('A key of a Secret in the same namespace.');
export type SecretKeyRef = z.infer<typeof SecretKeyRefSchema>;
