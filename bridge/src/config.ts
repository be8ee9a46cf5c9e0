// The bridge's configuration: a JSON or YAML file (--config), then flags, then
// the environment for secrets (values, or files that are read again when a
// Secret is rotated: credential.ts). Validated once at start-up, credential
// files included; a bad value is one clear error naming the field.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PlacementEffectConfigSchema } from './placement-effect-job.ts';
import { leaderElectionTimingError } from '@shelfpulse/core/runtime/leader-election';
import { FleetRouteSchema } from './routing.ts';
import { readCredentialFile } from './credential.ts';
import { SinkConfigSchema, sinkCredentialFields } from './sink-config.ts';

const minWebhookSecret = 16;
export const webhookSecretProblem = (secret: string): string | undefined =>
  secret.length < minWebhookSecret
    ? `the webhook secret needs at least ${minWebhookSecret} characters`
    : undefined;

export const BridgeConfigSchema = z
  .object({
    mode: z
      .enum(['webhook', 'long-poll'])
      .default('webhook')
      .describe(
        'webhook: the device cloud PUTs batches to us (several replicas); long-poll: one consumer pulls.',
      ),
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.int().min(0).max(65_535).default(8080),
      })
      .default({ host: '127.0.0.1', port: 8080 }),
    webhook: z
      .object({
        path: z.string().startsWith('/').default('/notify'),
        header: z
          .string()
          .min(1)
          .default('x-shelfpulse-secret')
          .transform((h) => h.toLowerCase()),
        secret: z
          .string()
          .min(minWebhookSecret, `the webhook secret needs at least ${minWebhookSecret} characters`)
          .optional(),
        secretFile: z
          .string()
          .min(1)
          .optional()
          .describe('File holding the secret (a mounted Secret); read again when it changes, no restart.'),
        previousSecretGraceMs: z
          .int()
          .min(0)
          .max(86_400_000)
          .default(600_000)
          .describe(
            'After the secret file changes, the previous secret is still accepted this long (the cloud retries deliveries it sent with it).',
          ),
        maxBodyBytes: z
          .int()
          .min(1024)
          .max(256 * 1024 * 1024)
          .default(8 * 1024 * 1024),
        publicUrl: z
          .url()
          .optional()
          .describe('URL the device cloud calls (the Service/Ingress); registered at start.'),
        busyWaitMs: z
          .int()
          .min(0)
          .max(60_000)
          .default(2_000)
          .describe(
            'How long a batch waits for room in full buffers before the answer is 503; keep it well below the cloud’s request timeout.',
          ),
      })
      .default({
        path: '/notify',
        header: 'x-shelfpulse-secret',
        maxBodyBytes: 8 * 1024 * 1024,
        busyWaitMs: 2_000,
        previousSecretGraceMs: 600_000,
      })
      .refine((w) => w.secret === undefined || w.secretFile === undefined, {
        message:
          'set the secret or a file holding it (BRIDGE_WEBHOOK_SECRET or BRIDGE_WEBHOOK_SECRET_FILE), not both',
        path: ['secretFile'],
      }),
    cloud: z
      .object({
        apiUrl: z.url(),
        apiKey: z.string().min(1).optional(),
        apiKeyFile: z
          .string()
          .min(1)
          .optional()
          .describe('File holding the API key (a mounted Secret); read again when it changes, no restart.'),
      })
      .refine((c) => (c.apiKey === undefined) !== (c.apiKeyFile === undefined), {
        message:
          'set the API key or a file holding it (BRIDGE_CLOUD_API_KEY or BRIDGE_CLOUD_API_KEY_FILE): exactly one',
        path: ['apiKeyFile'],
      })
      .optional()
      .describe(
        'Device cloud (Pelion/Izuma or the emulator); needed for long-poll, webhook registration and product id reads.',
      ),
    sinks: z
      .array(SinkConfigSchema)
      .default([])
      .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'sink names must be unique'),
    fleets: z.array(FleetRouteSchema).default([]),
    kube: z
      .object({
        namespace: z.string().min(1).optional().describe('Watch one namespace; all when unset.'),
        kubeconfig: z.string().min(1).optional().describe('Kubeconfig file; in-cluster when unset.'),
        routing: z
          .boolean()
          .default(true)
          .describe('Fleets and sinks from ShelfFleet and MetricSink resources instead of `fleets`/`sinks`.'),
        syncTimeoutMs: z
          .int()
          .min(1000)
          .default(60_000)
          .describe('Give up starting when the resources cannot be listed.'),
        statusIntervalMs: z
          .int()
          .min(100)
          .default(15_000)
          .describe('How often points written/dropped go into each MetricSink status.'),
        secretRefreshMs: z
          .int()
          .min(1000)
          .default(60_000)
          .describe(
            "How often the MetricSinks' credentials Secrets are read again (rotation without a restart).",
          ),
      })
      .optional()
      .describe('Cluster access: routing from the custom resources, and the Lease of leader election.'),
    restockMinItems: z
      .int()
      .min(1)
      .default(5)
      .describe('An increase of at least this many items is a restock, not a put-back.'),
    productWaitMs: z
      .int()
      .min(0)
      .max(120_000)
      .default(5_000)
      .describe(
        "How long a shelf's first counts wait for its product id (read through the device cloud) so " +
          'their points carry product_id; after it they are written without (0: never wait). Only with cloud set. ' +
          'Held counts are not spooled: a crash during the wait loses them.',
      ),
    leaderElection: z
      .object({
        namespace: z.string().min(1).describe('Namespace of the Lease.'),
        lease: z.string().min(1).default('shelfpulse-bridge').describe('One Lease per device-cloud API key.'),
        identity: z
          .string()
          .min(1)
          .optional()
          .describe('This replica (the pod name); host name and pid by default.'),
        ownerDeployment: z
          .string()
          .min(1)
          .optional()
          .describe(
            "The bridge's workload (in the Lease's namespace): the Lease names it as owner, so deleting the workload deletes the Lease.",
          ),
        ownerKind: z
          .enum(['Deployment', 'StatefulSet'])
          .default('Deployment')
          .describe("The kind of ownerDeployment: a StatefulSet when the chart's bridge.persistence is on."),
        podName: z
          .string()
          .min(1)
          .optional()
          .describe(
            "This replica's pod (env BRIDGE_POD_NAME): labelled shelfpulse.io/bridge-active=true while it holds the Lease, which the bridge Service selects.",
          ),
        leaseDurationMs: z.int().min(1000).default(15_000),
        renewDeadlineMs: z.int().min(500).default(10_000),
        retryPeriodMs: z.int().min(100).default(2_000),
        handoverMs: z
          .int()
          .min(0)
          .default(2_000)
          .describe(
            'After winning, wait this long (the previous leader flushes) before loading counts and taking data.',
          ),
      })
      .optional()
      .describe(
        'Only the Lease holder takes notifications (webhook: only it is Ready; long-poll: only it polls).',
      ),
    spool: z
      .object({
        dir: z.string().min(1),
        segmentBytes: z
          .int()
          .min(4096)
          .default(16 * 1024 * 1024),
      })
      .optional()
      .describe('Disk spool: nothing acknowledged is lost, even on SIGKILL.'),
    shutdownGraceMs: z.int().min(0).max(600_000).default(20_000),
    healthIntervalMs: z
      .int()
      .min(0)
      .max(3_600_000)
      .refine((ms) => ms === 0 || ms >= 100, 'at least 100 ms, or 0 to disable the health report')
      .default(10_000)
      .describe(
        'How often the active replica writes its health (shelfpulse_bridge_fleet/_sink) into the sinks; 0: never.',
      ),
    placementEffect: PlacementEffectConfigSchema.prefault({}),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    const timing = c.leaderElection && leaderElectionTimingError(c.leaderElection);
    if (timing)
      ctx.addIssue({ code: 'custom', message: timing, path: ['leaderElection', 'renewDeadlineMs'] });
  })
  .refine((c) => c.leaderElection === undefined || c.kube !== undefined, {
    message: 'leader election needs cluster access (kube)',
    path: ['leaderElection'],
  })
  .refine((c) => c.kube?.routing === true || c.sinks.length > 0, {
    message: 'at least one sink, unless they come from MetricSink resources (kube)',
    path: ['sinks'],
  })
  .refine(
    (c) => c.mode !== 'webhook' || c.webhook.secret !== undefined || c.webhook.secretFile !== undefined,
    {
      message: 'webhook mode needs a secret (BRIDGE_WEBHOOK_SECRET or BRIDGE_WEBHOOK_SECRET_FILE)',
      path: ['webhook', 'secret'],
    },
  )
  .refine((c) => c.mode !== 'long-poll' || c.cloud !== undefined, {
    message:
      'long-poll mode needs cloud.apiUrl and cloud.apiKey (BRIDGE_CLOUD_API_KEY or BRIDGE_CLOUD_API_KEY_FILE)',
    path: ['cloud'],
  })
  .describe('ShelfPulse bridge configuration.');
export type BridgeConfig = z.infer<typeof BridgeConfigSchema>;
export type BridgeConfigInput = z.input<typeof BridgeConfigSchema>;

export const usage = `Usage: bridge [options]

Receives device-cloud notifications, derives shelf interactions and writes
them to InfluxDB.

Options:
  --config <file>       JSON or YAML configuration (sinks, fleets, spool, ...)
  --mode <mode>         webhook | long-poll
  --host <host>         listen address (default 127.0.0.1)
  --port <port>         listen port (default 8080; 0 picks one)
  --spool-dir <dir>     disk spool directory (no loss on restart or SIGKILL)
  --kube                fleets and sinks from ShelfFleet/MetricSink resources
  --namespace <ns>      with --kube: watch only this namespace
  --log-level <level>   trace | debug | info | warn | error | silent
  -h, --help            print this text and exit
  --version             print the name and version and exit

Environment (secrets never go in the file):
  BRIDGE_WEBHOOK_SECRET            shared secret the cloud sends in the webhook header
  BRIDGE_CLOUD_API_URL             device cloud API URL
  BRIDGE_CLOUD_API_KEY             device cloud API key
  BRIDGE_SINK_<NAME>_USERNAME      InfluxDB user of sink <NAME> (upper case, "-" and "." as "_")
  BRIDGE_SINK_<NAME>_PASSWORD      its password
  BRIDGE_SINK_<NAME>_TOKEN         or its token (v2)
  <any of these secrets>_FILE      a file holding it instead (a mounted Secret), read
                                   again when it changes: rotation without a restart.
                                   Setting both a value and its _FILE is an error.

Endpoints: PUT <webhook.path> (default /notify), GET /metrics, /healthz, /readyz.
`;

export class ConfigError extends Error {}

/** Formats zod issues as "field: message" lines. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('\n');
}

/** Reads flags, file and environment; --help and --version are answered before (cli/help-and-version.ts). */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): BridgeConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        mode: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'spool-dir': { type: 'string' },
        kube: { type: 'boolean' },
        namespace: { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const { values } = parsed;
  let raw: Record<string, unknown> = {};
  if (values.config) {
    let text: string;
    try {
      text = readFileSync(values.config, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read ${values.config}: ${(error as Error).message}`);
    }
    try {
      raw = (parseYaml(text) ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`${values.config} is not valid YAML/JSON: ${(error as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new ConfigError(`${values.config}: expected an object`);
  }
  if (values.mode) raw['mode'] = values.mode;
  if (values['log-level']) raw['logLevel'] = values['log-level'];
  if (values.host || values.port) {
    const listen = { ...(raw['listen'] as object | undefined) } as Record<string, unknown>;
    if (values.host) listen['host'] = values.host;
    if (values.port) listen['port'] = Number(values.port);
    raw['listen'] = listen;
  }
  if (values.kube || values.namespace)
    raw['kube'] = {
      ...(raw['kube'] as object | undefined),
      ...(values.namespace ? { namespace: values.namespace } : {}),
    };
  if (env['KUBECONFIG'] && raw['kube'])
    raw['kube'] = { kubeconfig: env['KUBECONFIG'], ...(raw['kube'] as object) };
  if (values['spool-dir'])
    raw['spool'] = { ...(raw['spool'] as object | undefined), dir: values['spool-dir'] };
  if (env['BRIDGE_POD_NAME'] && raw['leaderElection'])
    raw['leaderElection'] = { podName: env['BRIDGE_POD_NAME'], ...(raw['leaderElection'] as object) };
  const webhookSecret = secretFromEnv(env, 'BRIDGE_WEBHOOK_SECRET', 'secret');
  if (webhookSecret) raw['webhook'] = { ...(raw['webhook'] as object | undefined), ...webhookSecret };
  const apiKey = secretFromEnv(env, 'BRIDGE_CLOUD_API_KEY', 'apiKey');
  if (apiKey || env['BRIDGE_CLOUD_API_URL']) {
    const cloud = { ...(raw['cloud'] as object | undefined), ...apiKey } as Record<string, unknown>;
    if (env['BRIDGE_CLOUD_API_URL']) cloud['apiUrl'] = env['BRIDGE_CLOUD_API_URL'];
    raw['cloud'] = cloud;
  }
  if (Array.isArray(raw['sinks'])) {
    raw['sinks'] = raw['sinks'].map((s: unknown) => {
      if (!s || typeof s !== 'object') return s;
      const sink = { ...(s as Record<string, unknown>) };
      const prefix = `BRIDGE_SINK_${String(sink['name'] ?? '')
        .toUpperCase()
        .replace(/[-.]/g, '_')}_`;
      for (const key of sinkCredentialFields)
        Object.assign(sink, secretFromEnv(env, `${prefix}${key.toUpperCase()}`, key));
      return sink;
    });
  }
  const result = BridgeConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid configuration:\n${describeIssues(result.error)}`);
  const unusable = credentialFileProblems(result.data);
  if (unusable.length > 0) throw new ConfigError(`invalid configuration:\n${unusable.join('\n')}`);
  return result.data;
}

/**
 * `{ [field]: value }` from NAME or `{ [field + 'File']: path }` from NAME_FILE;
 * both set is an error, since which one wins would be a guess.
 */
function secretFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  field: string,
): Record<string, string> | undefined {
  const value = env[name];
  const file = env[`${name}_FILE`];
  if (value !== undefined && file !== undefined)
    throw new ConfigError(
      `${name} and ${name}_FILE are both set: set one (the file can be rotated without a restart)`,
    );
  if (file !== undefined) return { [`${field}File`]: file };
  return value !== undefined ? { [field]: value } : undefined;
}

/** Every credential file must be readable and hold a usable value at start-up. */
function credentialFileProblems(config: BridgeConfig): string[] {
  const files: { field: string; path: string | undefined; check?: (v: string) => string | undefined }[] = [
    { field: 'webhook.secretFile', path: config.webhook.secretFile, check: webhookSecretProblem },
    { field: 'cloud.apiKeyFile', path: config.cloud?.apiKeyFile },
    ...config.sinks.flatMap((sink, i) =>
      sinkCredentialFields.map((key) => ({ field: `sinks.${i}.${key}File`, path: sink[`${key}File`] })),
    ),
  ];
  return files.flatMap(({ field, path, check }) => {
    if (path === undefined) return [];
    const read = readCredentialFile(path, check);
    return read.ok ? [] : [`${field}: ${read.problem}`];
  });
}
