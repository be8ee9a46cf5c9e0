// REST paths of the resources the operator reads and writes.
export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const resources = {
  shelfFleets: { group: 'shelfpulse.io', version: 'v1alpha1', plural: 'shelffleets', kind: 'ShelfFleet' },
  metricSinks: { group: 'shelfpulse.io', version: 'v1alpha1', plural: 'metricsinks', kind: 'MetricSink' },
  statefulSets: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet' },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' },
  crds: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
  },
} satisfies Record<string, Resource>;

export function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** `/apis/g/v[/namespaces/ns]/plural[/name[/sub]]`; namespace undefined means all namespaces or cluster scope. */
export function resourcePath(r: Resource, namespace?: string, name?: string, subresource?: string): string {
  let path = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${r.plural}`;
  if (name) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}
