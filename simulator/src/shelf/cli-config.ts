// shelf-sim's configuration: the file the operator renders (--config or
// SHELF_SIM_CONFIG), then environment variables, then command-line flags, all
// validated once with the shared zod schema. A bad value is one error naming it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BehaviourSchema } from '@shelfpulse/core/api/behaviour';
import { PlacementSchema, positions } from '@shelfpulse/core/api/placement';
import { SimulatorConfigSchema, type SimulatorConfig } from '@shelfpulse/core/api/simulator-config';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Flags; each can also be given as SHELF_SIM_<NAME> (e.g. SHELF_SIM_REPLICA_INDEX). */
const flags = {
  config: { type: 'string' },
  shelves: { type: 'string' },
  server: { type: 'string' },
  seed: { type: 'string' },
  speedup: { type: 'string' },
  plan: { type: 'string' },
  placement: { type: 'string', multiple: true },
  fleet: { type: 'string' },
  namespace: { type: 'string' },
  prefix: { type: 'string' },
  'replica-index': { type: 'string' },
  lifetime: { type: 'string' },
  'shoppers-per-hour': { type: 'string' },
  'ground-truth': { type: 'string' },
  start: { type: 'string' },
  'log-level': { type: 'string' },
  summary: { type: 'string' },
  http: { type: 'string' },
} as const;

export const usage = `Usage: shelf-sim [options]
  --config FILE            simulator configuration (JSON, as rendered by the operator)
  --shelves N              shelves in this process (shelvesPerReplica)
  --server HOST[:PORT]     LwM2M server (default 127.0.0.1:5683)
  --seed N                 random seed
  --speedup X              simulated seconds per real second (60: a day in 24 minutes)
  --plan FILE              placements: a JSON array, or {"placements": [...], "behaviour": {...}}
  --placement P:POS[:CAP[:THRESHOLD]]  one placement (repeatable), e.g. soap:eye-level:24:6
  --fleet NAME  --namespace NS  --prefix ENDPOINT_PREFIX  --replica-index N  --lifetime SECONDS
  --shoppers-per-hour X    shoppers per shelf per hour at the busiest hour
  --ground-truth FILE      write every pick-up, put-back and restock as JSON Lines
  --start ISO-TIME         simulated start time (default now; fix it for reproducible runs)
  --log-level LEVEL        pino level (default info)
  --summary auto|line|json live summary on a terminal (auto), always (line), or JSON logs only
  --http HOST:PORT         serve /healthz, /readyz (all shelves registered) and /metrics
  -h, --help               print this text and exit
  --version                print the name and version and exit
Every flag can be set as an environment variable SHELF_SIM_<FLAG> (e.g. SHELF_SIM_REPLICA_INDEX=3);
in Kubernetes a StatefulSet pod name (SHELF_SIM_POD_NAME or HOSTNAME) ending in -<ordinal> sets
the replica index unless --replica-index / SHELF_SIM_REPLICA_INDEX does.`;

const OptionsSchema = z.object({
  groundTruthPath: z.string().min(1).optional(),
  simStartMs: z.number().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  summary: z.enum(['auto', 'line', 'json']).default('auto'),
  http: z.object({ host: z.string().min(1), port: z.int().min(0).max(65_535) }).optional(),
});
export type ShelfSimOptions = z.infer<typeof OptionsSchema>;

export interface ShelfSimSettings {
  config: SimulatorConfig;
  options: ShelfSimOptions;
}

type Values = {
  [K in keyof typeof flags]?: (typeof flags)[K] extends { multiple: true }
    ? string[]
    : (typeof flags)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

function envName(flag: string): string {
  return `SHELF_SIM_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Formats zod issues as `field: message`, prefixed with where the input came from. */
export function describeIssues(source: string, error: z.ZodError): string {
  const lines = error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
  return `invalid ${source}: ${lines.join('; ')}`;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

const PlanSchema = z.union([
  z.array(z.unknown()),
  z.object({ placements: z.array(z.unknown()), behaviour: z.unknown().optional() }).strict(),
]);

function readPlan(path: string): { placements: unknown[]; behaviour?: unknown } {
  const parsed = PlanSchema.safeParse(readJson(path, 'plan'));
  if (!parsed.success) {
    throw new ConfigError(
      `invalid plan ${path}: expected an array of placements or {"placements": [...], "behaviour": {...}}`,
    );
  }
  const plan = Array.isArray(parsed.data) ? { placements: parsed.data } : parsed.data;
  const placements = z.array(PlacementSchema).min(1).safeParse(plan.placements);
  if (!placements.success)
    throw new ConfigError(describeIssues(`plan ${path} (placements)`, placements.error));
  if (plan.behaviour !== undefined) {
    const behaviour = BehaviourSchema.safeParse(plan.behaviour);
    if (!behaviour.success)
      throw new ConfigError(describeIssues(`plan ${path} (behaviour)`, behaviour.error));
  }
  return plan;
}

/** `soap:eye-level:24:6` → a placement input. */
function parsePlacementFlag(text: string): Record<string, unknown> {
  const [productId, position, capacity, restockThreshold] = text.split(':');
  if (!productId || !position) {
    throw new ConfigError(
      `--placement ${text}: expected PRODUCT:POSITION[:CAPACITY[:THRESHOLD]], positions ${positions.join(', ')}`,
    );
  }
  return {
    productId,
    position,
    ...(capacity ? { capacity: Number(capacity) } : {}),
    ...(restockThreshold ? { restockThreshold: Number(restockThreshold) } : {}),
  };
}

function parseServer(text: string): { host: string; port?: number } {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text);
  if (!match?.[1]) throw new ConfigError(`--server ${text}: expected HOST[:PORT]`);
  return match[2] ? { host: match[1], port: Number(match[2]) } : { host: match[1] };
}

function parseHttp(text: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(text);
  if (!match?.[1] || !match[2])
    throw new ConfigError(`--http ${text}: expected HOST:PORT, e.g. 0.0.0.0:9464`);
  return { host: match[1], port: Number(match[2]) };
}

/** The ordinal of a StatefulSet pod (`aisle-7-sim-3` → 3), only inside Kubernetes. */
function podOrdinal(env: NodeJS.ProcessEnv): number | undefined {
  if (!env['KUBERNETES_SERVICE_HOST']) return undefined;
  const match = /-(\d+)$/.exec(env['SHELF_SIM_POD_NAME'] || env['HOSTNAME'] || '');
  return match ? Number(match[1]) : undefined;
}

function num(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

export function loadSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): ShelfSimSettings {
  let parsed: Values;
  try {
    parsed = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false })
      .values as Values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${usage}`);
  }
  const values: Values = { ...parsed };
  for (const name of Object.keys(flags) as (keyof typeof flags)[]) {
    // An empty variable counts as unset (e.g. a downward-API label the cluster does not set).
    const fromEnv = env[envName(name)];
    if (values[name] !== undefined || !fromEnv) continue;
    (values as Record<string, unknown>)[name] = name === 'placement' ? fromEnv.split(',') : fromEnv;
  }

  const input: Record<string, unknown> = values.config
    ? { ...(readJson(values.config, 'config file') as Record<string, unknown>) }
    : { fleet: 'local', endpointPrefix: 'shelf-', server: {} };
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ConfigError('the config file must hold a JSON object');
  if (values.plan) {
    const plan = readPlan(values.plan);
    input['placements'] = plan.placements;
    if (plan.behaviour !== undefined) input['behaviour'] = plan.behaviour;
  }
  if (values.placement) input['placements'] = values.placement.map(parsePlacementFlag);
  if (input['placements'] === undefined) {
    throw new ConfigError(
      'no placements: give --plan FILE, --placement PRODUCT:POSITION or a --config file with placements',
    );
  }
  if (values.shelves !== undefined) input['shelvesPerReplica'] = num(values.shelves);
  if (values.server !== undefined)
    input['server'] = { ...(input['server'] as object | undefined), ...parseServer(values.server) };
  if (values.seed !== undefined) input['seed'] = num(values.seed);
  if (values.speedup !== undefined) input['speedup'] = num(values.speedup);
  if (values.fleet !== undefined) input['fleet'] = values.fleet;
  if (values.namespace !== undefined) input['namespace'] = values.namespace;
  if (values.prefix !== undefined) input['endpointPrefix'] = values.prefix;
  if (values.lifetime !== undefined) input['lifetimeSeconds'] = num(values.lifetime);
  if (values['replica-index'] !== undefined) input['replicaIndex'] = num(values['replica-index']);
  else {
    // The operator's file always holds a (default) index; in a StatefulSet the ordinal is the truth.
    const ordinal = podOrdinal(env);
    if (ordinal !== undefined) input['replicaIndex'] = ordinal;
  }
  if (values['shoppers-per-hour'] !== undefined) {
    input['behaviour'] = {
      ...(input['behaviour'] as object | undefined),
      shoppersPerHour: num(values['shoppers-per-hour']),
    };
  }

  const config = SimulatorConfigSchema.safeParse(input);
  if (!config.success) throw new ConfigError(describeIssues('shelf-sim configuration', config.error));

  let simStartMs: number | undefined;
  if (values.start !== undefined) {
    simStartMs = Date.parse(values.start);
    if (Number.isNaN(simStartMs))
      throw new ConfigError(`--start ${values.start}: expected an ISO 8601 time, e.g. 2026-01-05T08:00:00Z`);
  }
  const options = OptionsSchema.safeParse({
    groundTruthPath: values['ground-truth'],
    simStartMs,
    logLevel: values['log-level'],
    summary: values.summary,
    http: values.http === undefined ? undefined : parseHttp(values.http),
  });
  if (!options.success) throw new ConfigError(describeIssues('shelf-sim options', options.error));
  return { config: config.data, options: options.data };
}
