// /v2/subscriptions: manual subscriptions per device and resource, and the
// pre-subscriptions of the API key.
import { ApiError } from '../api-error.ts';
import { registeredDevice } from '../device-lookup.ts';
import { validate } from '../http-body.ts';
import type { Route, RouteDeps } from '../route.ts';
import { PreSubscriptionListSchema, listedPreSubscription, resourceInfo } from '../subscriptions.ts';
import { resourcePath } from './endpoints.ts';

export function subscriptionRoutes({ registry, subscriptions, service, config }: RouteDeps): Route[] {
  const resourcePattern = /^\/v2\/subscriptions\/([^/]+)\/(.+)$/;
  const devicePattern = /^\/v2\/subscriptions\/([^/]+)\/?$/;
  return [
    {
      method: 'PUT',
      pattern: resourcePattern,
      name: '/v2/subscriptions/{id}/{path}',
      handle: async (ctx) => {
        const device = registeredDevice(registry, ctx.params[0]!);
        const path = resourcePath(ctx.params[1]!);
        const info = resourceInfo(device, path);
        if (!info.known) throw new ApiError(404, `device ${device.id} has no resource ${path}`);
        if (!info.observable) throw new ApiError(412, `resource ${path} is not observable`);
        const outcome = await service.subscribe(ctx.apiKey, device, path, config.device.subscribeAnswerMs);
        if (outcome.status === 202) return { status: 202, json: { 'async-response-id': outcome.id } };
        if (outcome.status >= 400) {
          throw new ApiError(
            outcome.status,
            `device ${device.id} refused to observe ${path}: ${outcome.error ?? outcome.status}`,
          );
        }
        return { status: 200 };
      },
    },
    {
      method: 'GET',
      pattern: resourcePattern,
      name: '/v2/subscriptions/{id}/{path}',
      handle: (ctx) => {
        const device = registeredDevice(registry, ctx.params[0]!);
        const path = resourcePath(ctx.params[1]!);
        if (!subscriptions.isSubscribed(ctx.apiKey, device, path)) {
          throw new ApiError(404, `resource ${path} of device ${device.id} is not subscribed`);
        }
        return { status: 200 };
      },
    },
    {
      method: 'DELETE',
      pattern: resourcePattern,
      name: '/v2/subscriptions/{id}/{path}',
      handle: (ctx) => {
        const device = registeredDevice(registry, ctx.params[0]!);
        subscriptions.unsubscribe(ctx.apiKey, device.id, resourcePath(ctx.params[1]!));
        service.syncObservations(device);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: devicePattern,
      name: '/v2/subscriptions/{id}',
      handle: (ctx) => {
        const device = registeredDevice(registry, ctx.params[0]!);
        const paths = subscriptions.subscribedPaths(ctx.apiKey, device.id);
        // As the service: 404 when the device has no subscriptions of this key.
        if (paths.length === 0) throw new ApiError(404, `device ${device.id} has no subscriptions`);
        return { status: 200, text: paths.map((p) => `${p}\n`).join(''), contentType: 'text/uri-list' };
      },
    },
    {
      method: 'DELETE',
      pattern: devicePattern,
      name: '/v2/subscriptions/{id}',
      handle: (ctx) => {
        const device = registeredDevice(registry, ctx.params[0]!);
        subscriptions.clearDevice(ctx.apiKey, device.id);
        service.syncObservations(device);
        return { status: 204 };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/v2\/subscriptions\/?$/,
      name: '/v2/subscriptions',
      handle: async (ctx) => {
        subscriptions.setPre(
          ctx.apiKey,
          validate(PreSubscriptionListSchema, await ctx.json(), 'pre-subscriptions'),
        );
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/subscriptions\/?$/,
      name: '/v2/subscriptions',
      handle: (ctx) => ({ status: 200, json: subscriptions.getPre(ctx.apiKey).map(listedPreSubscription) }),
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\/subscriptions\/?$/,
      name: '/v2/subscriptions',
      handle: (ctx) => {
        subscriptions.setPre(ctx.apiKey, []);
        return { status: 204 };
      },
    },
  ];
}
