// The zod → Kubernetes structural schema conversion keeps what the API server
// needs and drops what it rejects.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { structuralSchema, type JsonSchema } from '../../src/crd/structural-schema.ts';
import { shelfFleetCrd } from '../../src/crd/definitions.ts';

function walk(node: JsonSchema, visit: (n: JsonSchema, path: string) => void, path = ''): void {
  visit(node, path);
  for (const [k, v] of Object.entries((node['properties'] ?? {}) as Record<string, JsonSchema>))
    walk(v, visit, `${path}.${k}`);
  if (node['items']) walk(node['items'] as JsonSchema, visit, `${path}[]`);
  if (typeof node['additionalProperties'] === 'object')
    walk(node['additionalProperties'] as JsonSchema, visit, `${path}[*]`);
}

describe('structuralSchema', () => {
  it('gives integers a format instead of ±2^53 bounds, and keeps defaults and descriptions', () => {
    const s = structuralSchema(
      z.object({ a: z.int().min(0).describe('a count'), b: z.int().min(1).max(5).default(2) }),
    );
    const props = s['properties'] as Record<string, JsonSchema>;
    expect(props['a']).toEqual({ type: 'integer', format: 'int64', description: 'a count', minimum: 0 });
    expect(props['b']).toMatchObject({
      type: 'integer',
      format: 'int32',
      default: 2,
      minimum: 1,
      maximum: 5,
    });
  });

  it('turns a union of literals into an enum and an enum-keyed record into properties', () => {
    const s = structuralSchema(
      z.object({
        u: z.union([z.literal('x'), z.literal('y')]),
        r: z.partialRecord(z.enum(['cpu', 'memory']), z.string()),
      }),
    );
    const props = s['properties'] as Record<string, JsonSchema>;
    expect(props['u']).toEqual({ type: 'string', enum: ['x', 'y'] });
    expect(props['r']).toEqual({
      type: 'object',
      properties: { cpu: { type: 'string' }, memory: { type: 'string' } },
    });
  });

  it('refuses unions that have no structural form', () => {
    expect(() => structuralSchema(z.object({ u: z.union([z.string(), z.number()]) }))).toThrow(/\.u: unions/);
  });

  it('produces a ShelfFleet schema where every node is typed and nothing is a $ref', () => {
    const root = shelfFleetCrd().spec.versions[0]!.schema!.openAPIV3Schema as JsonSchema;
    const untyped: string[] = [];
    walk(root, (n, path) => {
      if (!n['type'] || '$ref' in n || n['additionalProperties'] === false) untyped.push(path);
    });
    expect(untyped).toEqual([]);
  });
});
