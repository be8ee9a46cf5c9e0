// The emulator's configuration, validated once at start-up. Every time-based
// bound is here so tests can shrink it; defaults follow the hosted service.
import { z } from 'zod';

const host = z.string().min(1).default('127.0.0.1').describe('Address to listen on.');
const port = z.int().min(0).max(65_535).default(0).describe('Port; 0 picks a free one.');

export const ApiKeySchema = z
  .string()
  .min(8, 'an API key has at least 8 characters')
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'an API key is printable ASCII without spaces')
  .describe('A key accepted in `Authorization: Bearer <key>`.');

export const DeviceCloudConfigSchema = z
  .object({
    apiKeys: z
      .array(ApiKeySchema)
      .min(1, 'at least one API key is required (there is no default key)')
      .refine((keys) => new Set(keys).size === keys.length, 'API keys must be unique')
      .describe('API keys; each has its own notification channel and subscriptions.'),
    http: z
      .object({
        host,
        port,
        maxBodyBytes: z
          .int()
          .min(1024)
          .max(16 * 1024 * 1024)
          .default(1024 * 1024)
          .describe('Larger request bodies get 413.'),
      })
      .prefault({}),
    coap: z.object({ host, port }).prefault({}).describe('The LwM2M server (CoAP over UDP).'),
    longPoll: z
      .object({
        timeoutMs: z
          .int()
          .min(10)
          .max(300_000)
          .default(30_000)
          .describe('How long GET /v2/notification/pull waits before answering 204.'),
        channelExpiryMs: z
          .int()
          .min(10)
          .max(86_400_000)
          .default(600_000)
          .describe(
            'A long-poll channel not polled for this long is deleted with its queue, as in the service.',
          ),
      })
      .prefault({}),
    webhook: z
      .object({
        retryBaseMs: z.int().min(1).max(60_000).default(1_000).describe('First retry delay after a failure.'),
        retryMaxMs: z
          .int()
          .min(1)
          .max(3_600_000)
          .default(120_000)
          .describe('Retry delays double up to this.'),
        requestTimeoutMs: z.int().min(10).max(120_000).default(10_000).describe('Timeout of one PUT.'),
        removeAfterMs: z
          .int()
          .min(1)
          .max(7 * 86_400_000)
          .default(86_400_000)
          .describe(
            'A webhook failing for this long without one success is removed, as in the service (24 h).',
          ),
      })
      .prefault({})
      .refine((w) => w.retryMaxMs >= w.retryBaseMs, {
        message: 'retryMaxMs must not be below retryBaseMs',
        path: ['retryMaxMs'],
      }),
    channel: z
      .object({
        queueSize: z
          .int()
          .min(1)
          .max(1_000_000)
          .default(10_000)
          .describe('Undelivered events kept per API key; the oldest is dropped beyond this.'),
        maxBatch: z
          .int()
          .min(1)
          .max(20_000)
          .default(20_000)
          .describe(
            'Most events in one NotificationMessage; what accumulates while one is delivered goes in the next (as the service: up to 20 000).',
          ),
      })
      .prefault({}),
    device: z
      .object({
        queueSize: z
          .int()
          .min(1)
          .max(10_000)
          .default(20)
          .describe('Device requests pending per device before 429.'),
        requestTimeoutMs: z
          .int()
          .min(10)
          .max(600_000)
          .default(30_000)
          .describe('A device that does not answer in time gives async status 504.'),
        subscribeAnswerMs: z
          .int()
          .min(0)
          .max(600_000)
          .default(2_000)
          .describe(
            'How long PUT /v2/subscriptions/{id}/{path} waits for the device to accept or refuse the observation; ' +
              'later answers arrive as an async response of the 202 answer.',
          ),
        maxDevices: z
          .int()
          .min(1)
          .max(10_000_000)
          .default(100_000)
          .describe('Devices the directory holds; a registration of one more gets CoAP 4.03.'),
        lifetimeCheckIntervalMs: z
          .int()
          .min(10)
          .max(600_000)
          .default(1_000)
          .describe('How often registrations are checked for expiry.'),
        lifetimeGraceMs: z
          .int()
          .min(0)
          .max(3_600_000)
          .default(0)
          .describe('Extra time after the lifetime before a registration expires.'),
      })
      .prefault({}),
    deviceIds: z
      .enum(['derived', 'endpoint-name'])
      .default('derived')
      .describe(
        'derived: a device ID of 32 hex digits derived from the endpoint name, as the service assigns to ' +
          'clients with their own endpoint names (the name stays in endpoint_name and original-ep); ' +
          'endpoint-name: the endpoint name is the device ID, as for Pelion clients.',
      ),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .describe('Device-cloud emulator configuration.');

export type DeviceCloudConfig = z.infer<typeof DeviceCloudConfigSchema>;
export type DeviceCloudConfigInput = z.input<typeof DeviceCloudConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates a configuration; a problem becomes one error naming the field. */
export function parseDeviceCloudConfig(input: unknown): DeviceCloudConfig {
  const result = DeviceCloudConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(config)';
    return `${field}: ${issue.message}`;
  });
  return fail(`invalid device-cloud configuration: ${lines.join('; ')}`);
}

function fail(message: string): never {
  throw new ConfigError(message);
}
