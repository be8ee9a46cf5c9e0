// `make crds` runs this after generating crds/: copies the CRDs into the chart.
// `--check` exits 1 when the chart's copy has drifted.
import { parseArgs } from 'node:util';
import { crdDrift, syncCrds } from '../src/crds.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
if (values.check) {
  const drift = crdDrift();
  if (drift.length > 0) {
    console.error(`charts/shelfpulse/crds differs from crds/ (run \`make crds\`): ${drift.join(', ')}`);
    process.exit(1);
  }
  console.log('chart CRDs match crds/');
} else {
  console.log(`copied into the chart: ${syncCrds().join(', ')}`);
}
