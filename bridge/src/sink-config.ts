// One InfluxDB target and how the bridge writes to it. Mirrors the MetricSink
// resource's spec; credentials come from the environment, files (a mounted
// Secret, read again when rotated) or a MetricSink's Secret.
import { z } from 'zod';

export const sinkCredentialFields = ['username', 'password', 'token'] as const;
const credentialFile = (what: string) =>
  z.string().min(1).optional().describe(`File holding the ${what}; read again when it changes (rotation).`);

export const SinkConfigSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(320)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'lowercase letters, digits, "-" and "."'),
    url: z.url({ protocol: /^https?$/ }),
    flavour: z
      .enum(['v1', 'v2'])
      .default('v1')
      .describe('v1: /write; v2: /api/v2/write via @influxdata/influxdb-client.'),
    database: z.string().min(1).optional().describe('InfluxDB 1.x database (v1).'),
    retentionPolicy: z.string().min(1).optional(),
    org: z.string().default('').describe('Organisation (v2; ignored by InfluxDB 1.8).'),
    bucket: z.string().min(1).optional().describe('Bucket (v2), e.g. "db/rp" on InfluxDB 1.8.'),
    username: z.string().optional(),
    password: z.string().optional(),
    token: z.string().optional(),
    usernameFile: credentialFile('user name'),
    passwordFile: credentialFile('password'),
    tokenFile: credentialFile('token'),
    batchSize: z.int().min(1).max(100_000).default(5_000),
    flushIntervalMs: z.int().min(10).max(60_000).default(500),
    maxBufferPoints: z.int().min(100).max(50_000_000).default(200_000),
    concurrency: z
      .int()
      .min(1)
      .max(16)
      .default(2)
      .describe('Write requests in flight at once: InfluxDB parses one batch while the next is sent.'),
    overflow: z
      .enum(['reject', 'drop-oldest'])
      .default('reject')
      .describe(
        'reject: intake refuses new data (webhook 503, the cloud redelivers); drop-oldest: like Telegraf.',
      ),
    timeoutMs: z.int().min(100).max(300_000).default(10_000),
    gzip: z.boolean().default(true),
    retryInitialMs: z.int().min(1).max(60_000).default(250),
    retryMaxMs: z.int().min(1).max(600_000).default(30_000),
    maxRetries: z
      .int()
      .min(0)
      .optional()
      .describe('Retries of one batch before its points are dropped; unset: retry until it is written.'),
  })
  .refine((s) => (s.flavour === 'v1' ? s.database !== undefined : s.bucket !== undefined), {
    message: 'a v1 sink needs `database`, a v2 sink needs `bucket`',
    path: ['database'],
  })
  .superRefine((s, ctx) => {
    for (const key of sinkCredentialFields)
      if (s[key] !== undefined && s[`${key}File`] !== undefined)
        ctx.addIssue({ code: 'custom', message: `set ${key} or ${key}File, not both`, path: [`${key}File`] });
  })
  .describe('An InfluxDB target.');
export type SinkConfig = z.infer<typeof SinkConfigSchema>;
export type SinkConfigInput = z.input<typeof SinkConfigSchema>;
