export { binary, cacheDir, hasBinary } from './bins.ts';
export { startEtcd, type Etcd } from './etcd.ts';
export { Helm } from './helm.ts';
export { influxql, influxqlRows, type InfluxQLOptions, type InfluxSeries } from './influxql.ts';
export { startInfluxd, type Influxd, type InfluxdOptions } from './influxd.ts';
export { startKubeApiserver, type KubeApiserver } from './kube-apiserver.ts';
export {
  kubeconfigYaml,
  loadKubeConfig,
  mintServiceAccountKubeconfig,
  serviceAccountKubeconfig,
  writeKubeconfig,
  writeKubeconfigVia,
} from './kubeconfig.ts';
export { ManagedProcess } from './managed-process.ts';
export { freePort } from './ports.ts';
export { TestEnv, type TestEnvInfo } from './env.ts';
export { scrapeMetric } from './scrape.ts';
export { startSilentProxy, type SilentProxy } from './silent-proxy.ts';
export { createNamespace, eventually, kubectl } from './test-helpers.ts';
export { applyChartTemplates, chartDir, type ChartTemplates } from './chart-templates.ts';
export { seededRandom } from './seeded-random.ts';
