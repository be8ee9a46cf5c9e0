// /v2/endpoints: the cached resource list of a registered device, and the
// older resource API (/v2/endpoints/{id}/{path}) that answers 202 with an
// async-response id, the result following on the notification channel.
import { randomBytes } from 'node:crypto';
import { normalizePath, parseObjectPath } from '../../lwm2m/object-path.ts';
import { ApiError } from '../api-error.ts';
import { connectedDevice, registeredDevice } from '../device-lookup.ts';
import type { DeviceRequest } from '../device-link.ts';
import type { Route, RouteDeps } from '../route.ts';
import { addressable } from '../subscriptions.ts';

export function resourcePath(raw: string): string {
  const path = normalizePath(raw);
  if (!parseObjectPath(path)) {
    throw new ApiError(400, `${raw} is not an LwM2M path (/object/instance/resource)`, {
      reason: 'bad_path',
    });
  }
  return path;
}

export function endpointRoutes({ registry, service }: RouteDeps): Route[] {
  const resourceRequest = (method: DeviceRequest['method']): Route => ({
    method,
    pattern: /^\/v2\/endpoints\/([^/]+)\/(.+)$/,
    name: '/v2/endpoints/{id}/{path}',
    handle: async (ctx) => {
      const device = connectedDevice(registry, ctx.params[0]!);
      const path = resourcePath(ctx.params[1]!);
      if (method !== 'POST' && !addressable(device, path)) {
        throw new ApiError(
          404,
          `device ${device.id} registered nothing at or above ${path} (URI_PATH_DOES_NOT_EXISTS)`,
        );
      }
      const payload = method === 'PUT' || method === 'POST' ? await ctx.body() : undefined;
      const asyncId = `${Date.now()}-${randomBytes(6).toString('hex')}`;
      service.deviceRequest(ctx.apiKey, device, asyncId, {
        method,
        path,
        payload,
        contentType: ctx.req.headers['content-type'],
        accept: ctx.req.headers['accept'],
      });
      return { status: 202, json: { 'async-response-id': asyncId } };
    },
  });
  return [
    {
      method: 'GET',
      pattern: /^\/v2\/endpoints\/?$/,
      name: '/v2/endpoints',
      handle: (ctx) => {
        const type = ctx.query.get('type');
        const devices = registry
          .all()
          .filter((d) => d.state === 'registered' && (type === null || d.endpointType === type));
        return {
          status: 200,
          json: devices.map((d) => ({
            name: d.id,
            type: d.endpointType,
            status: 'ACTIVE',
            q: d.binding.includes('Q'),
          })),
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/endpoints\/([^/]+)\/?$/,
      name: '/v2/endpoints/{id}',
      handle: (ctx) => {
        const device = registeredDevice(registry, ctx.params[0]!);
        return {
          status: 200,
          json: device.links.map((l) => ({
            uri: l.path,
            obs: l.attributes['obs'] !== undefined,
            ...(typeof l.attributes['rt'] === 'string' ? { rt: l.attributes['rt'] } : {}),
            ...(typeof l.attributes['ct'] === 'string' ? { type: l.attributes['ct'] } : {}),
          })),
        };
      },
    },
    resourceRequest('GET'),
    resourceRequest('PUT'),
    resourceRequest('POST'),
    resourceRequest('DELETE'),
  ];
}
