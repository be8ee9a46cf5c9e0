// The operator's configuration, from the environment, validated at start-up.
import { hostname } from 'node:os';
import { z } from 'zod';
import { leaderElectionTimingError } from '@shelfpulse/core/runtime/leader-election';

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
/** An environment variable's "a, b,c" as ["a", "b", "c"]; other values pass through. */
const commaList = (v: unknown): unknown =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : v;

export const OperatorConfigSchema = z
  .object({
    /** Kubeconfig file; unset means in-cluster (or ~/.kube/config). */
    kubeconfig: z.string().optional(),
    namespace: z
      .string()
      .min(1)
      .default('shelfpulse')
      .describe('Namespace of the operator (its Lease lives there).'),
    watchNamespace: z
      .string()
      .min(1)
      .optional()
      .describe('Reconcile only this namespace (a namespaced install); unset means all namespaces.'),
    managedNamespaces: z
      .preprocess(
        commaList,
        z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name')),
      )
      .default([])
      .describe(
        'Comma-separated namespaces where fleets get workloads and referenced Secrets are read; the operator watches StatefulSets and ConfigMaps only there. Empty: every watched namespace.',
      ),
    identity: z
      .string()
      .min(1)
      .default(`${hostname()}-${process.pid}`)
      .describe('This replica in leader election.'),
    listenHost: z.string().default('127.0.0.1'),
    listenPort: z.coerce.number().int().min(0).max(65_535).default(8080),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    leaderElection: z.coerce.boolean().default(true),
    leaseName: z.string().default('shelfpulse-operator'),
    leaseOwnerDeployment: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The operator's Deployment (in its namespace): the Lease names it as owner, so deleting the Deployment deletes the Lease.",
      ),
    uninstallGate: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The chart's pre-delete hook ConfigMap (in the operator's namespace): on `helm uninstall` the operator deletes the release's ShelfFleets, then lets the uninstall go on.",
      ),
    leaseDurationMs: ms(15_000),
    renewDeadlineMs: ms(10_000),
    retryPeriodMs: ms(2_000),
    resyncMs: ms(300_000),
    watchTimeoutSeconds: z.coerce.number().int().min(1).default(300),
    watchSilenceMs: ms(330_000),
    workers: z.coerce.number().int().min(1).max(64).default(4),
    /** How often a healthy fleet re-checks the device cloud for new devices. */
    subscriptionResyncMs: ms(30_000),
    /** How long fleets of one device cloud share one listing of its registered devices. */
    deviceListMaxAgeMs: z.coerce.number().int().min(0).default(5_000),
    /** How often a MetricSink is checked again. */
    sinkCheckMs: ms(60_000),
    simulatorImage: z.string().min(1).default('ghcr.io/shelfpulse/shelfpulse:0.1.0'),
    lwm2mHost: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('LwM2M server (device cloud) host the simulators register with.'),
    lwm2mPort: z.coerce.number().int().min(1).max(65_535).default(5683),
    deviceCloudUrl: z.url().optional().describe('Default device-cloud API URL of fleets that name none.'),
    deviceCloudApiKey: z
      .string()
      .min(1)
      .optional()
      .describe('Default device-cloud API key (from a Secret via env); sent only to deviceCloudUrl.'),
    deviceCloudApiKeySecret: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[-._a-zA-Z0-9]+$/, 'must be <secret name>/<key>')
      .optional()
      .describe(
        "The operator's own API key as `<secret>/<key>` in its namespace, read again every SHELFPULSE_DEVICE_CLOUD_API_KEY_REFRESH_MS (rotation without a restart); overrides SHELFPULSE_DEVICE_CLOUD_API_KEY once read.",
      ),
    deviceCloudApiKeyRefreshMs: ms(60_000).describe(
      'How long the key read from SHELFPULSE_DEVICE_CLOUD_API_KEY_SECRET is used before it is read again.',
    ),
    deviceCloudAllowedUrls: z
      .preprocess(commaList, z.array(z.url()))
      .default([])
      .describe(
        "Comma-separated URL prefixes a ShelfFleet's spec.deviceCloud.apiUrl must start with; empty allows any (the operator's own key still goes only to deviceCloudUrl).",
      ),
  })
  .superRefine((c, ctx) => {
    const timing = leaderElectionTimingError(c);
    if (timing) ctx.addIssue({ code: 'custom', message: timing, path: ['renewDeadlineMs'] });
  });
export type OperatorConfig = z.infer<typeof OperatorConfigSchema>;
export type OperatorConfigInput = z.input<typeof OperatorConfigSchema>;

export const envNames: Record<keyof OperatorConfig, string> = {
  kubeconfig: 'KUBECONFIG',
  namespace: 'SHELFPULSE_NAMESPACE',
  watchNamespace: 'SHELFPULSE_WATCH_NAMESPACE',
  managedNamespaces: 'SHELFPULSE_MANAGED_NAMESPACES',
  identity: 'SHELFPULSE_POD_NAME',
  listenHost: 'SHELFPULSE_LISTEN_HOST',
  listenPort: 'SHELFPULSE_LISTEN_PORT',
  logLevel: 'SHELFPULSE_LOG_LEVEL',
  leaderElection: 'SHELFPULSE_LEADER_ELECTION',
  leaseName: 'SHELFPULSE_LEASE_NAME',
  leaseOwnerDeployment: 'SHELFPULSE_LEASE_OWNER_DEPLOYMENT',
  uninstallGate: 'SHELFPULSE_UNINSTALL_GATE',
  leaseDurationMs: 'SHELFPULSE_LEASE_DURATION_MS',
  renewDeadlineMs: 'SHELFPULSE_RENEW_DEADLINE_MS',
  retryPeriodMs: 'SHELFPULSE_RETRY_PERIOD_MS',
  resyncMs: 'SHELFPULSE_RESYNC_MS',
  watchTimeoutSeconds: 'SHELFPULSE_WATCH_TIMEOUT_SECONDS',
  watchSilenceMs: 'SHELFPULSE_WATCH_SILENCE_MS',
  workers: 'SHELFPULSE_WORKERS',
  subscriptionResyncMs: 'SHELFPULSE_SUBSCRIPTION_RESYNC_MS',
  deviceListMaxAgeMs: 'SHELFPULSE_DEVICE_LIST_MAX_AGE_MS',
  sinkCheckMs: 'SHELFPULSE_SINK_CHECK_MS',
  simulatorImage: 'SHELFPULSE_SIMULATOR_IMAGE',
  lwm2mHost: 'SHELFPULSE_LWM2M_HOST',
  lwm2mPort: 'SHELFPULSE_LWM2M_PORT',
  deviceCloudUrl: 'SHELFPULSE_DEVICE_CLOUD_URL',
  deviceCloudApiKey: 'SHELFPULSE_DEVICE_CLOUD_API_KEY',
  deviceCloudApiKeySecret: 'SHELFPULSE_DEVICE_CLOUD_API_KEY_SECRET',
  deviceCloudApiKeyRefreshMs: 'SHELFPULSE_DEVICE_CLOUD_API_KEY_REFRESH_MS',
  deviceCloudAllowedUrls: 'SHELFPULSE_DEVICE_CLOUD_ALLOWED_URLS',
};

/** `shelfpulse-operator --help`: the operator takes no flags; every setting is a variable. */
export const usage = `Usage: shelfpulse-operator

Runs the ShelfFleet and MetricSink controllers. Every setting comes from the
environment (docs/configuration.md lists types and defaults):
${Object.entries(envNames)
  .map(([field, name]) => {
    const description = OperatorConfigSchema.shape[field as keyof OperatorConfig].description;
    return `  ${name.padEnd(36)}${description ?? ''}`.trimEnd();
  })
  .join('\n')}

Options:
  -h, --help                          print this text and exit
  --version                           print the name and version and exit

Endpoints: GET /metrics, /healthz, /readyz on SHELFPULSE_LISTEN_HOST:SHELFPULSE_LISTEN_PORT.
`;

/** Whether the operator writes workloads and Events and reads Secrets in `namespace`. */
export function manages(
  config: Pick<OperatorConfig, 'managedNamespaces'>,
  namespace: string | undefined,
): boolean {
  return config.managedNamespaces.length === 0 || config.managedNamespaces.includes(namespace ?? '');
}

/** The condition message for a resource in a namespace the operator does not manage. */
export const notManaged = (namespace: string): string =>
  `namespace ${namespace} is not one this ShelfPulse installation manages (no workloads, no Secrets there): an administrator adds it to operator.managedNamespaces`;

/** Reads the configuration from the environment; a bad value is one error naming the variable. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const input: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '')
      input[field] = field === 'leaderElection' ? value !== 'false' : value;
  }
  const parsed = OperatorConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0]) as keyof OperatorConfig;
    throw new Error(`invalid configuration: ${envNames[field] ?? field}: ${issue.message}`);
  }
  return parsed.data;
}
