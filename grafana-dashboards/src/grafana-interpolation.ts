// What Grafana does to a raw InfluxQL query before sending it to InfluxDB:
// $timeFilter, $__interval / $__interval_ms and dashboard variables. Tests use
// it to run each panel's query exactly as a browser would.

export interface VariableValue {
  /** Selected values; `allValue` when "All" is selected. */
  values: readonly string[];
  /** Whether the variable is multi-value or has "All" (Grafana then formats it as a regex). */
  multi: boolean;
  /** The variable's custom "All" value (used raw, unescaped). */
  allValue?: string | undefined;
  all?: boolean;
}

export interface QueryContext {
  fromMs: number;
  toMs: number;
  /** The panel's max data points (Grafana uses the panel's pixel width; 1000 is a wide panel). */
  maxDataPoints?: number;
  /** The panel's min interval, e.g. '1m'. */
  minInterval?: string | undefined;
  variables: Record<string, VariableValue>;
}

const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * units[match[2]!]!;
}

/** Grafana's interval rounding: snap to the nearest "nice" step below a threshold. */
const steps: [threshold: number, interval: number][] = [
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1_500, 1_000],
  [3_500, 2_000],
  [7_500, 5_000],
  [12_500, 10_000],
  [17_500, 15_000],
  [25_000, 20_000],
  [45_000, 30_000],
  [90_000, 60_000],
  [210_000, 120_000],
  [450_000, 300_000],
  [750_000, 600_000],
  [1_050_000, 900_000],
  [1_500_000, 1_200_000],
  [2_700_000, 1_800_000],
  [5_400_000, 3_600_000],
  [9_000_000, 7_200_000],
  [16_200_000, 10_800_000],
  [32_400_000, 21_600_000],
  [86_400_000, 43_200_000],
];

export function intervalMs(context: QueryContext): number {
  const raw = (context.toMs - context.fromMs) / (context.maxDataPoints ?? 1000);
  const rounded = steps.find(([threshold]) => raw < threshold)?.[1] ?? 86_400_000;
  const min = context.minInterval ? parseDuration(context.minInterval) : 1;
  return Math.max(rounded, min);
}

export function formatInterval(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const)
    if (ms % units[unit]! === 0) return `${ms / units[unit]!}${unit}`;
  return `${ms}ms`;
}

/** Grafana escapes regex specials (and `/`) in values it puts into a /regex/. */
function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

function formatVariable(variable: VariableValue): string {
  if (variable.all && variable.allValue !== undefined) return variable.allValue;
  if (!variable.multi) return variable.values[0] ?? '';
  const escaped = variable.values.map(escapeRegex);
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

export function interpolate(query: string, context: QueryContext): string {
  const interval = intervalMs(context);
  const builtins: Record<string, string> = {
    timeFilter: `time >= ${context.fromMs}ms and time <= ${context.toMs}ms`,
    __interval_ms: String(interval),
    __interval: formatInterval(interval),
  };
  return query.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, plain?: string, braced?: string) => {
    const name = (plain ?? braced)!;
    if (name in builtins) return builtins[name]!;
    const variable = context.variables[name];
    if (!variable) throw new Error(`query uses an unknown variable $${name}: ${query}`);
    return formatVariable(variable);
  });
}

/**
 * Whether an interpolated query can return data: its comparisons between two
 * number literals (the interval bands of rollups.ts, e.g. `5000 <= 60000`) all
 * hold. InfluxDB folds them the same way before it reads anything.
 */
export function bandsHold(interpolated: string): boolean {
  const ops: Record<string, (a: number, b: number) => boolean> = {
    '<': (a, b) => a < b,
    '<=': (a, b) => a <= b,
    '>': (a, b) => a > b,
    '>=': (a, b) => a >= b,
  };
  return [...interpolated.matchAll(/(?<![\w."'])(\d+) (<=|<|>=|>) (\d+)(?![\w.])/g)].every(([, a, op, b]) =>
    ops[op!]!(Number(a), Number(b)),
  );
}
