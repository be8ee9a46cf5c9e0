// Request bodies with a hard size limit and JSON parsing that turns every
// failure into a 4xx in the service's error shape.
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { ApiError } from './api-error.ts';

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed)
        reject(new ApiError(400, `request body could not be read: ${err.message}`, { reason: 'bad_body' }));
      failed = true;
    });
  });
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `request body is larger than ${limit} bytes`, { reason: 'body_too_large' });
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0)
    throw new ApiError(400, 'request body is empty; JSON expected', { reason: 'malformed_json' });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `malformed JSON: ${(err as Error).message}`, { reason: 'malformed_json' });
  }
}

/** Validates with a zod schema; the 400 lists each offending field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    name: issue.path.join('.') || what,
    message: issue.message,
  }));
  throw new ApiError(400, `invalid ${what}: ${fields.map((f) => `${f.name}: ${f.message}`).join('; ')}`, {
    reason: 'invalid_body',
    fields,
  });
}
