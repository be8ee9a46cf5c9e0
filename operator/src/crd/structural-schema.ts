// zod → Kubernetes structural OpenAPI v3. zod 4 emits OpenAPI 3.0 JSON Schema;
// Kubernetes wants a narrower dialect: every node typed, no $ref, no anyOf of
// literals, integer formats instead of ±2^53 bounds, no pattern beside a format.
import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

const int32Max = 2 ** 31 - 1;

export function structuralSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'throw',
    reused: 'inline',
    cycles: 'throw',
    override: (ctx) => expandEnumKeyedRecord(ctx.zodSchema, ctx.jsonSchema as JsonSchema),
  }) as JsonSchema;
  delete json['$schema'];
  return normalise(json, '');
}

/** z.partialRecord(z.enum([...]), v) → an object with one optional property per key. */
function expandEnumKeyedRecord(zodSchema: unknown, json: JsonSchema): void {
  const def = (zodSchema as { _zod?: { def?: { type?: string; keyType?: { options?: unknown[] } } } })._zod
    ?.def;
  const keys = def?.type === 'record' ? def.keyType?.options : undefined;
  if (!keys || !json['additionalProperties']) return;
  const value = json['additionalProperties'];
  json['properties'] = Object.fromEntries(keys.map((k) => [String(k), value]));
  delete json['additionalProperties'];
  delete json['propertyNames'];
}

function normalise(node: JsonSchema, path: string): JsonSchema {
  if ('$ref' in node) throw new Error(`${path || '/'}: $ref is not allowed in a CRD schema`);
  let out: JsonSchema = { ...node };
  // A union of string literals is an enum.
  const anyOf = out['anyOf'] as JsonSchema[] | undefined;
  if (anyOf) {
    if (!anyOf.every((s) => s['type'] === 'string' && Array.isArray(s['enum']))) {
      throw new Error(`${path || '/'}: unions other than of string literals have no structural form`);
    }
    delete out['anyOf'];
    out = { ...out, type: 'string', enum: anyOf.flatMap((s) => s['enum'] as string[]) };
  }
  if (out['type'] === 'integer') {
    const max = out['maximum'] as number | undefined;
    if (max === Number.MAX_SAFE_INTEGER) delete out['maximum'];
    if (out['minimum'] === Number.MIN_SAFE_INTEGER) delete out['minimum'];
    out['format'] =
      max !== undefined && max <= int32Max && (out['minimum'] as number) >= -int32Max ? 'int32' : 'int64';
  }
  // zod adds a regex beside date-time; the format already validates it.
  if (out['format'] === 'date-time') delete out['pattern'];
  if (out['additionalProperties'] === false) delete out['additionalProperties'];
  if (out['nullable'] === true && out['default'] === undefined) delete out['nullable'];
  const properties = out['properties'] as Record<string, JsonSchema> | undefined;
  if (properties) {
    out['properties'] = Object.fromEntries(
      Object.entries(properties).map(([k, v]) => [k, normalise(v, `${path}.${k}`)]),
    );
    if (Array.isArray(out['required']) && out['required'].length === 0) delete out['required'];
  }
  const additional = out['additionalProperties'];
  if (additional && typeof additional === 'object') {
    out['additionalProperties'] = normalise(additional as JsonSchema, `${path}[*]`);
  }
  if (out['items']) out['items'] = normalise(out['items'] as JsonSchema, `${path}[]`);
  if (!out['type'] && !out['x-kubernetes-int-or-string'] && !out['x-kubernetes-preserve-unknown-fields']) {
    throw new Error(`${path || '/'}: every node of a structural schema needs a type`);
  }
  return ordered(out);
}

/** type, format and description first: the YAML reads like the API reference. */
function ordered(node: JsonSchema): JsonSchema {
  const first = ['type', 'format', 'description'].filter((k) => k in node);
  return Object.fromEntries(
    [...first, ...Object.keys(node).filter((k) => !first.includes(k))].map((k) => [k, node[k]]),
  );
}
