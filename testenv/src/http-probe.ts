import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeOptions {
  ca?: string | Buffer;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Status code of a GET, for readiness checks. */
export function getStatus(url: string, options: ProbeOptions = {}): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'GET', headers: options.headers, ca: options.ca, timeout: options.timeoutMs ?? 2_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
