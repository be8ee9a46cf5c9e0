// Writes every dashboard as classic dashboard JSON (the file-provisioning
// format) into the chart. `--check` writes nothing and exits 1 when a file in
// the chart differs from what the code generates.
import { parseArgs } from 'node:util';
import { checkDashboards, writeDashboards } from '../src/output.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
if (values.check) {
  const stale = await checkDashboards();
  if (stale.length > 0) {
    console.error(`stale dashboards (run \`make dashboards\`): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log('dashboards are up to date');
} else {
  for (const file of await writeDashboards()) console.log(`wrote ${file}`);
}
