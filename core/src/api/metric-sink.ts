// MetricSink: an InfluxDB target for the bridge. The operator checks it is
// reachable and writable (and creates the 1.x database); the bridge writes to
// it and reports pointsWritten/pointsDropped in the status.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { z } from 'zod';
import { ConditionsSchema, objectName, secretKey } from './condition.ts';
import { httpUrl } from './http-url.ts';
import { influxDuration } from './influx-duration.ts';

const influxName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "." and "-"');

export const MetricSinkSpecSchema = z
  .object({
    url: httpUrl('spec.url', 'spec.credentialsSecretRef').describe(
      'Base URL of InfluxDB, e.g. http://influxdb.shelfpulse:8086.',
    ),
    flavour: z
      .enum(['v1', 'v2'])
      .default('v1')
      .describe(
        'v1: InfluxDB 1.x /write with database and retention policy; v2: /api/v2/write with org and bucket.',
      ),
    database: influxName.optional().describe('v1: the database to write to.'),
    retentionPolicy: influxName.optional().describe('v1: the retention policy; unset uses the default one.'),
    retentionDuration: influxDuration('spec.retentionDuration')
      .default('INF')
      .describe('v1: duration of a retention policy the operator creates.'),
    createDatabase: z
      .boolean()
      .default(true)
      .describe('v1: create the database and retention policy when they are missing and the user may.'),
    org: z.string().min(1).max(256).optional().describe('v2: the organisation.'),
    bucket: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('v2: the bucket (on InfluxDB 1.8: "database/retention-policy").'),
    credentialsSecretRef: z
      .object({
        name: objectName.describe('Name of a Secret in the same namespace.'),
        usernameKey: secretKey.default('username').describe('v1: key of the user name.'),
        passwordKey: secretKey.default('password').describe('v1: key of the password.'),
        tokenKey: secretKey.default('token').describe('v2: key of the API token.'),
      })
      .optional()
      .describe('Secret with the credentials; without it requests are unauthenticated.'),
    batching: z
      .object({
        maxPoints: z.int().min(1).max(100_000).default(5000).describe('Points per write request.'),
        flushIntervalMs: z
          .int()
          .min(10)
          .max(60_000)
          .default(1000)
          .describe('Longest wait before a batch is written.'),
        concurrency: z
          .int()
          .min(1)
          .max(16)
          .default(2)
          .describe('Write requests in flight at once (InfluxDB parses one batch while the next is sent).'),
      })
      .default({ maxPoints: 5000, flushIntervalMs: 1000, concurrency: 2 })
      .describe('How the bridge batches points.'),
    retry: z
      .object({
        maxRetries: z
          .int()
          .min(0)
          .max(100)
          .optional()
          .describe(
            'Retries of a failed write before its points are dropped; unset (the default): retry until written, so an outage delays points instead of losing them.',
          ),
        initialDelayMs: z.int().min(1).max(60_000).default(500).describe('Delay before the first retry.'),
        maxDelayMs: z.int().min(1).max(600_000).default(30_000).describe('Longest delay between retries.'),
      })
      .default({ initialDelayMs: 500, maxDelayMs: 30_000 })
      .describe('How the bridge retries failed writes (exponential backoff).')
      .meta({
        'x-kubernetes-validations': [
          {
            rule: 'self.initialDelayMs <= self.maxDelayMs',
            message: 'retry.initialDelayMs must not exceed retry.maxDelayMs',
          },
        ],
      }),
    bufferMaxPoints: z
      .int()
      .min(100)
      .max(10_000_000)
      .default(100_000)
      .describe(
        'Points held while the sink is unavailable; beyond this the bridge refuses new notifications (the device cloud keeps and redelivers them) instead of dropping points.',
      ),
  })
  .describe('Desired state of a MetricSink.')
  .meta({
    'x-kubernetes-validations': [
      { rule: "self.flavour != 'v1' || has(self.database)", message: 'flavour v1 needs spec.database' },
      {
        rule: "self.flavour != 'v1' || (!has(self.org) && !has(self.bucket))",
        message:
          'spec.org and spec.bucket are for flavour v2; flavour v1 uses spec.database and spec.retentionPolicy',
      },
      { rule: "self.flavour != 'v2' || has(self.bucket)", message: 'flavour v2 needs spec.bucket' },
      {
        rule: "self.flavour != 'v2' || (!has(self.database) && !has(self.retentionPolicy))",
        message:
          'spec.database and spec.retentionPolicy are for flavour v1; flavour v2 uses spec.org and spec.bucket',
      },
    ],
  });
export type MetricSinkSpec = z.infer<typeof MetricSinkSpecSchema>;

export const sinkReasons = [
  'Ready',
  'Unreachable',
  'Unauthorized',
  'DatabaseMissing',
  'SecretMissing',
  'SecretNotAllowed',
  'SecretForbidden',
  'WriteFailed',
] as const;
export type SinkReason = (typeof sinkReasons)[number];

export const MetricSinkStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation this status describes.'),
    reachable: z.boolean().optional().describe('InfluxDB answered /ping.'),
    writable: z.boolean().optional().describe('A test write with the configured credentials succeeded.'),
    lastError: z.string().max(4096).optional().describe('The last error the operator or the bridge saw.'),
    lastCheckTime: z.iso.datetime().optional().describe('When the operator last checked the sink.'),
    pointsWritten: z
      .int()
      .min(0)
      .optional()
      .describe('Points the bridge has written (reported by the bridge).'),
    pointsDropped: z
      .int()
      .min(0)
      .optional()
      .describe('Points the bridge has dropped (reported by the bridge).'),
    conditions: ConditionsSchema,
  })
  .describe('Observed state of a MetricSink.');
export type MetricSinkStatus = z.infer<typeof MetricSinkStatusSchema>;

export const metricSinkNames = {
  kind: 'MetricSink',
  plural: 'metricsinks',
  singular: 'metricsink',
  shortNames: ['msink'],
} as const;

export interface MetricSink {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: MetricSinkSpec;
  status?: MetricSinkStatus;
}
