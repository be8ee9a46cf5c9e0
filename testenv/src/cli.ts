// `make test-env`: starts the test environment by hand, prints how to reach it,
// and stops everything on Ctrl-C.
import { TestEnv } from './env.ts';

// `--node=kubelet`: a real node running the images built here (root only).
const node = process.argv.includes('--node=kubelet') ? 'kubelet' : 'kwok';
const started = Date.now();
const env = await TestEnv.start({ node, log: (line) => console.log(line) });
const info = env.info();
console.log(`
ShelfPulse test environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s

  Kubernetes API   ${info.kube.server}
  kubeconfig       ${info.kube.kubeconfig}
  InfluxDB         ${info.influx.url}
  data and logs    ${info.workDir}

  export KUBECONFIG=${info.kube.kubeconfig}
  kubectl get --raw /version

Ctrl-C stops every server and removes the data.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    void env.stop().then(() => process.exit(0));
  });
}
