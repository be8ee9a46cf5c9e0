// Plain HTTP calls to the emulator, for tests that check status codes and
// bodies the SDK hides.
import { expect } from 'vitest';
export interface ApiResult {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

export async function api(
  base: string,
  method: string,
  path: string,
  options: {
    key?: string | undefined;
    body?: unknown;
    raw?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['authorization'] = `Bearer ${options.key}`;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** The service's error body shape, with a status. */
export function errorBody(code: number): unknown {
  return {
    code,
    message: expect.any(String),
    object: 'error',
    request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    type: expect.any(String),
  };
}
