// The query parameters of the LwM2M 1.0 registration interface:
// register  POST /rd?ep=…&lt=…&lwm2m=1.0&b=U[&et=…]   (payload: link format)
// update    POST /rd/{location}[?lt=…&b=…]
// `et` (endpoint type) is not in LwM2M 1.0 but Mbed/Pelion clients send it.
import { z } from 'zod';

const bindings = ['U', 'UQ', 'S', 'SQ', 'US', 'UQS'] as const;

const lifetime = z.coerce
  .number()
  .int('lt must be a whole number of seconds')
  .min(1, 'lt must be at least 1 second')
  .max(4_294_967_295, 'lt must fit in 32 bits');

export const RegisterQuerySchema = z.object({
  ep: z
    .string()
    .min(1, 'ep (endpoint name) must not be empty')
    .max(128, 'ep (endpoint name) is limited to 128 characters')
    .regex(/^[\x21-\x7e]+$/, 'ep (endpoint name) must be printable ASCII without spaces'),
  lt: lifetime.default(86_400),
  lwm2m: z.string().default('1.0'),
  b: z.enum(bindings, { message: `b (binding) must be one of ${bindings.join(', ')}` }).default('U'),
  et: z
    .string()
    .max(64, 'et (endpoint type) is limited to 64 characters')
    .regex(/^[\x21-\x7e]*$/, 'et (endpoint type) must be printable ASCII without spaces')
    .default(''),
  sms: z.string().optional(),
});
export type RegisterQuery = z.infer<typeof RegisterQuerySchema>;

export const UpdateQuerySchema = z.object({
  lt: lifetime.optional(),
  b: z.enum(bindings, { message: `b (binding) must be one of ${bindings.join(', ')}` }).optional(),
  sms: z.string().optional(),
});
export type UpdateQuery = z.infer<typeof UpdateQuerySchema>;

/** Turns CoAP Uri-Query values (or a `?a=b&c=d` string) into a plain record; a repeated key is an error. */
export function queryRecord(query: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    if (key in record) throw new Error(`query parameter ${key} is repeated`);
    record[key] = value;
  }
  return record;
}

/** One line naming the first problem, for a CoAP diagnostic payload. */
export function describeQueryError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid query';
  const field = issue.path.join('.');
  return field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
}
