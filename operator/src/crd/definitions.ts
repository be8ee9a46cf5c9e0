// The two CustomResourceDefinitions, built from the zod schemas. crds/*.yaml is
// this, written by `node operator/bin/gen-crds.ts`.
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { z } from 'zod';
import { group, version } from '@shelfpulse/core/api/group';
import {
  MetricSinkSpecSchema,
  MetricSinkStatusSchema,
  metricSinkNames,
} from '@shelfpulse/core/api/metric-sink';
import {
  ShelfFleetSpecSchema,
  ShelfFleetStatusSchema,
  shelfFleetNames,
  shelfFleetObjectRules,
} from '@shelfpulse/core/api/shelf-fleet';
import { structuralSchema, type JsonSchema } from './structural-schema.ts';

const category = 'shelfpulse';

interface Rule {
  rule: string;
  message: string;
}

/** `rules` are CEL rules on the whole object; only they can see metadata.name. */
function rootSchema(description: string, spec: z.ZodType, status: z.ZodType, rules: Rule[] = []): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: structuralSchema(spec),
      status: structuralSchema(status),
    },
    ...(rules.length > 0 ? { 'x-kubernetes-validations': rules } : {}),
  };
}

const readyColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
const reasonColumn = {
  name: 'Reason',
  type: 'string',
  priority: 1,
  jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
};
const ageColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export function shelfFleetCrd(): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${shelfFleetNames.plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind: shelfFleetNames.kind,
        listKind: `${shelfFleetNames.kind}List`,
        plural: shelfFleetNames.plural,
        singular: shelfFleetNames.singular,
        shortNames: [...shelfFleetNames.shortNames],
        categories: [category],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: rootSchema(
              'A set of smart shelves that belong together: real devices and/or simulated ones.',
              ShelfFleetSpecSchema,
              ShelfFleetStatusSchema,
              shelfFleetObjectRules,
            ),
          },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Available', type: 'integer', jsonPath: '.status.readyReplicas' },
            { name: 'Registered', type: 'integer', jsonPath: '.status.registeredDevices' },
            { name: 'Subscribed', type: 'integer', jsonPath: '.status.subscribedDevices' },
            readyColumn,
            reasonColumn,
            { name: 'Store', type: 'string', priority: 1, jsonPath: '.spec.store' },
            { name: 'Aisle', type: 'string', priority: 1, jsonPath: '.spec.aisle' },
            ageColumn,
          ],
        },
      ],
    },
  } as V1CustomResourceDefinition;
}

export function metricSinkCrd(): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${metricSinkNames.plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind: metricSinkNames.kind,
        listKind: `${metricSinkNames.kind}List`,
        plural: metricSinkNames.plural,
        singular: metricSinkNames.singular,
        shortNames: [...metricSinkNames.shortNames],
        categories: [category],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: rootSchema(
              'An InfluxDB target that receives shelf data from the bridge.',
              MetricSinkSpecSchema,
              MetricSinkStatusSchema,
            ),
          },
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'URL', type: 'string', jsonPath: '.spec.url' },
            { name: 'Flavour', type: 'string', jsonPath: '.spec.flavour' },
            readyColumn,
            reasonColumn,
            { name: 'Written', type: 'integer', priority: 1, jsonPath: '.status.pointsWritten' },
            { name: 'Dropped', type: 'integer', priority: 1, jsonPath: '.status.pointsDropped' },
            ageColumn,
          ],
        },
      ],
    },
  } as V1CustomResourceDefinition;
}

export const crds = (): V1CustomResourceDefinition[] => [shelfFleetCrd(), metricSinkCrd()];
