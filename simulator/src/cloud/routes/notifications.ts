// The notification channel of the API key: webhook (/v2/notification/callback),
// long poll (/v2/notification/pull), and which one is set (/v2/notification/channel).
import { z } from 'zod';
import { ApiError } from '../api-error.ts';
import { validate } from '../http-body.ts';
import { LongPollChannel } from '../long-poll-channel.ts';
import type { Route, RouteDeps } from '../route.ts';
import { WebhookChannel, putJson } from '../webhook-channel.ts';

export const WebhookSchema = z
  .object({
    url: z
      .string()
      .refine(
        (u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol),
        'must be an http or https URL',
      ),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .refine(
    (w) => w.url.length + Object.entries(w.headers).reduce((n, [k, v]) => n + k.length + v.length, 0) <= 400,
    'the URL, header names and values together are limited to 400 characters',
  );

export function notificationRoutes({ channels, config }: RouteDeps): Route[] {
  return [
    {
      method: 'PUT',
      pattern: /^\/v2\/notification\/callback\/?$/,
      name: '/v2/notification/callback',
      handle: async (ctx) => {
        const target = validate(WebhookSchema, await ctx.json(), 'webhook');
        if (channels.get(ctx.apiKey) instanceof LongPollChannel) {
          throw new ApiError(
            400,
            'a long-poll notification channel already exists for this API key; delete it first',
            {
              reason: 'channel_type_conflict',
            },
          );
        }
        // The service checks the URL answers before accepting it.
        if (!(await putJson(target, {}, config.webhook.requestTimeoutMs))) {
          throw new ApiError(400, `callback URL ${target.url} did not answer the verification PUT with 2xx`, {
            reason: 'webhook_verification_failed',
          });
        }
        channels.setWebhook(ctx.apiKey, target);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/notification\/callback\/?$/,
      name: '/v2/notification/callback',
      handle: (ctx) => {
        const channel = channels.get(ctx.apiKey);
        if (!(channel instanceof WebhookChannel)) throw new ApiError(404, 'no callback URL is set');
        return { status: 200, json: channel.target };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\/notification\/callback\/?$/,
      name: '/v2/notification/callback',
      handle: (ctx) => {
        if (!channels.delete(ctx.apiKey, 'webhook')) throw new ApiError(404, 'no callback URL is set');
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/notification\/pull\/?$/,
      name: '/v2/notification/pull',
      handle: async (ctx) => {
        const message = await channels.longPoll(ctx.apiKey).poll(ctx.signal);
        return message ? { status: 200, json: message } : { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\/notification\/pull\/?$/,
      name: '/v2/notification/pull',
      // The service answers 200 whether or not there was a channel to delete
      // (clients such as the Python SDK's update_webhook() delete first, always).
      handle: (ctx) => ({
        status: 200,
        text: channels.delete(ctx.apiKey, 'long-poll') ? 'REMOVED' : 'ALREADY_DELETED',
        contentType: 'text/plain',
      }),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/notification\/channel\/?$/,
      name: '/v2/notification/channel',
      handle: (ctx) => {
        const channel = channels.get(ctx.apiKey);
        if (!channel) throw new ApiError(404, 'no notification channel exists for this API key');
        return {
          status: 200,
          json: {
            deliveryMechanism: channel.type === 'webhook' ? 'CALLBACK' : 'LONG_POLLING',
            queueSize: channel.queued,
          },
        };
      },
    },
  ];
}
