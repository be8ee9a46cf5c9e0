// POST /v2/device-requests/{id}?async-id=…: READ (GET), WRITE (PUT), EXECUTE
// (POST) or DELETE on a device; 202 now, the result later on the channel as an
// async response with the caller's async id.
import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import { connectedDevice } from '../device-lookup.ts';
import { validate } from '../http-body.ts';
import type { Route, RouteDeps } from '../route.ts';
import { addressable } from '../subscriptions.ts';
import { resourcePath } from './endpoints.ts';

export const asyncIdPattern = /^[A-Za-z0-9._~-]{1,64}$/;

export const DeviceRequestBodySchema = z.object({
  method: z.enum(['GET', 'PUT', 'POST', 'DELETE']),
  uri: z.string().min(1).max(255),
  accept: z.string().max(100).optional(),
  'content-type': z.string().max(100).optional(),
  'payload-b64': z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
    .optional(),
});

export function deviceRequestRoutes({ registry, service }: RouteDeps): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v2\/device-requests\/([^/]+)\/?$/,
      name: '/v2/device-requests/{id}',
      handle: async (ctx) => {
        const asyncId = ctx.query.get('async-id');
        if (asyncId === null || !asyncIdPattern.test(asyncId)) {
          throw new ApiError(400, 'async-id is required: 1 to 64 characters of letters, digits and ._~-', {
            reason: 'bad_async_id',
          });
        }
        const body = validate(DeviceRequestBodySchema, await ctx.json(), 'device request');
        const device = connectedDevice(registry, ctx.params[0]!);
        const path = resourcePath(body.uri);
        if ((body.method === 'GET' || body.method === 'PUT') && !addressable(device, path)) {
          throw new ApiError(
            404,
            `device ${device.id} registered nothing at or above ${path} (URI_PATH_DOES_NOT_EXISTS)`,
          );
        }
        service.deviceRequest(ctx.apiKey, device, asyncId, {
          method: body.method,
          path,
          accept: body.accept,
          contentType: body['content-type'],
          payload: body['payload-b64'] === undefined ? undefined : Buffer.from(body['payload-b64'], 'base64'),
        });
        return { status: 202 };
      },
    },
  ];
}
