// Writes docs/configuration.md: every setting of every part, generated from
// the zod schemas (the single source of validation), the chart's
// values.schema.json (types and bounds) and values.yaml (defaults and its
// `# --` comments), so the reference cannot drift.
// `node scripts/gen-config-docs.ts --check` fails when the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, parseDocument, type Pair } from 'yaml';
import { z } from 'zod';
import { MetricSinkSpecSchema } from '../core/src/api/metric-sink.ts';
import { ShelfFleetSpecSchema } from '../core/src/api/shelf-fleet.ts';
import { SimulatorConfigSchema } from '../core/src/api/simulator-config.ts';
import { BridgeConfigSchema } from '../bridge/src/config.ts';
import { envNames, OperatorConfigSchema } from '../operator/src/config.ts';
import { DeviceCloudConfigSchema } from '../simulator/src/cloud/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}docs/configuration.md`;

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (value: unknown): string => (value === undefined ? '' : `\`${cell(JSON.stringify(value))}\``);

function typeOf(s: JsonSchema): string {
  const options = s.anyOf ?? s.oneOf;
  if (options) return options.map(typeOf).join(' or ');
  if (s.enum) return s.enum.map((e) => String(e)).join(' | ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
}

function bounds(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined && s.minLength > 0) parts.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) parts.push(`length ≤ ${s.maxLength}`);
  return parts.join(', ');
}

function rows(schema: JsonSchema, prefix = '', out: string[] = []): string[] {
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const required = schema.required?.includes(name) && property.default === undefined ? ' (required)' : '';
    out.push(
      `| \`${path}\`${required} | ${cell(typeOf(property))} | ${code(property.default)} | ${cell(
        [property.description ?? '', bounds(property)].filter(Boolean).join(' — '),
      )} |`,
    );
    const nested = property.properties ? property : property.items?.properties ? property.items : undefined;
    if (nested) rows(nested, property.items?.properties ? `${path}[]` : path, out);
  }
  return out;
}

function table(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return ['| field | type | default | description |', '|---|---|---|---|', ...rows(json)].join('\n');
}

function operatorTable(): string {
  const json = z.toJSONSchema(OperatorConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const lines = Object.entries(json.properties ?? {}).map(([field, s]) => {
    const env = envNames[field as keyof typeof envNames] ?? field;
    // Defaults computed at start-up are described, not printed (they differ per machine).
    const byDefault = field === 'identity' ? '`<host name>-<pid>`' : code(s.default);
    return `| \`${env}\` | ${cell(typeOf(s))} | ${byDefault} | ${cell([s.description ?? '', bounds(s)].filter(Boolean).join(' — '))} |`;
  });
  return ['| environment variable | type | default | description |', '|---|---|---|---|', ...lines].join(
    '\n',
  );
}

/** The type values.schema.json gives a dotted values path (what `helm install` validates). */
function valuesType(schema: JsonSchema, path: string): string {
  let node: JsonSchema | undefined = schema;
  for (const part of path.split('.')) node = node?.properties?.[part];
  if (!node) return '';
  const bound = bounds(node);
  return bound ? `${typeOf(node)} (${bound})` : typeOf(node);
}

function valuesTable(): string {
  const schema = JSON.parse(
    readFileSync(`${root}charts/shelfpulse/values.schema.json`, 'utf8'),
  ) as JsonSchema;
  const doc = parseDocument(readFileSync(`${root}charts/shelfpulse/values.yaml`, 'utf8'));
  const lines: string[] = [];
  const walk = (node: unknown, prefix: string): void => {
    if (!isMap(node)) return;
    for (const pair of node.items as Pair[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const path = prefix ? `${prefix}.${key}` : key;
      // helm-docs convention: a description starts at a `# -- ` line and runs to the key.
      const before = ((pair.key as { commentBefore?: string }).commentBefore ?? '')
        .split('\n')
        .map((l) => l.trim());
      const start = before.findIndex((l) => l.startsWith('-- '));
      const comment = start < 0 ? '' : before.slice(start).join(' ').replace(/^-- /, '');
      if (isMap(pair.value) && pair.value.items.length > 0) {
        if (comment) lines.push(`| \`${path}\` | ${cell(valuesType(schema, path))} | | ${cell(comment)} |`);
        walk(pair.value, path);
      } else {
        const value =
          isSeq(pair.value) || isMap(pair.value)
            ? pair.value.toJSON()
            : (pair.value as { value?: unknown })?.value;
        lines.push(`| \`${path}\` | ${cell(valuesType(schema, path))} | ${code(value)} | ${cell(comment)} |`);
      }
    }
  };
  walk(doc.contents, '');
  return ['| value | type | default | description |', '|---|---|---|---|', ...lines].join('\n');
}

export function render(): string {
  return `# Configuration reference

Generated by \`npm run gen:docs\` from the zod schemas (the same ones that
validate every setting at start-up and generate the CRDs) and from the chart's
\`values.schema.json\` and \`values.yaml\`. Do not edit by hand.

## ShelfFleet (\`shelfpulse.io/v1alpha1\`, short name \`sf\`): \`spec\`

${table(ShelfFleetSpecSchema)}

## MetricSink (\`shelfpulse.io/v1alpha1\`, short name \`msink\`): \`spec\`

${table(MetricSinkSpecSchema)}

## Helm values (\`charts/shelfpulse/values.yaml\`)

${valuesTable()}

## Operator (environment of \`node operator/bin/operator.ts\`)

${operatorTable()}

## Bridge (configuration file of \`node bridge/bin/bridge.ts --config\`)

Secrets never go in the file: \`BRIDGE_WEBHOOK_SECRET\`, \`BRIDGE_CLOUD_API_KEY\`,
\`BRIDGE_SINK_<NAME>_USERNAME\`/\`_PASSWORD\`/\`_TOKEN\` come from the environment
(see \`bridge --help\`), or each from a file named by the same variable with
\`_FILE\` appended (a mounted Secret, as the chart does), read again when it
changes: rotation without a restart. Setting both is an error.

${table(BridgeConfigSchema)}

## Shelf simulator (configuration file of \`node simulator/bin/shelf-sim.ts --config\`)

The operator renders this file from a ShelfFleet; \`shelf-sim --help\` lists the
flags and \`SHELF_SIM_*\` variables that override it.

${table(SimulatorConfigSchema)}

## Device-cloud emulator (configuration file of \`node simulator/bin/device-cloud.ts --config\`)

${table(DeviceCloudConfigSchema)}
`;
}

if (import.meta.main) {
  const text = render();
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      console.error('docs/configuration.md is out of date: run npm run gen:docs');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
    console.log('wrote docs/configuration.md');
  }
}
