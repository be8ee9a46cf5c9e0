// The real kube-controller-manager, so that what a cluster does by itself
// happens here too: garbage collection of owned objects, namespace deletion,
// ServiceAccounts, and Deployments/StatefulSets creating their pods.
import { join } from 'node:path';
import { binary } from './bins.ts';
import type { KubeApiserver } from './kube-apiserver.ts';
import { ManagedProcess } from './managed-process.ts';

export const controllers = [
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  // Scales through the scale subresource, as it would a ShelfFleet.
  'horizontal-pod-autoscaler-controller',
  // Services' endpoints, for kube-proxy and cluster DNS on a real node.
  'endpointslice-controller',
  'endpoints-controller',
  // kube-root-ca.crt in every namespace, for ServiceAccount token volumes.
  'root-ca-certificate-publisher-controller',
];

/** Only with a real node: kwok's node has no heartbeats and would be evicted. */
const realNodeControllers = ['node-lifecycle-controller'];

export async function startKubeControllerManager(
  workDir: string,
  api: KubeApiserver,
  options: { realNode?: boolean } = {},
): Promise<ManagedProcess> {
  const enabled = options.realNode ? [...controllers, ...realNodeControllers] : controllers;
  const process = new ManagedProcess({
    name: 'kube-controller-manager',
    command: binary('kube-controller-manager'),
    logFile: join(workDir, 'kube-controller-manager.log'),
    args: [
      `--kubeconfig=${api.kubeconfig}`,
      `--authentication-kubeconfig=${api.kubeconfig}`,
      `--authorization-kubeconfig=${api.kubeconfig}`,
      `--controllers=${enabled.join(',')}`,
      `--service-account-private-key-file=${api.serviceAccountSigningKeyFile}`,
      `--root-ca-file=${api.caFile}`,
      '--use-service-account-credentials=false',
      '--leader-elect=false',
      '--horizontal-pod-autoscaler-sync-period=1s',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--v=1',
    ],
  });
  process.start();
  // It has no readiness endpoint with --secure-port=0; give it a moment to fail fast on bad flags.
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (!process.running) throw new Error(`kube-controller-manager exited:\n${process.tail()}`);
  return process;
}
