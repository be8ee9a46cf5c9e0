// How the bridge names itself to the API server, so that audit logs and
// managedFields tell its writes (MetricSink status counts, its pod's active
// label, its Lease) from the operator's: its own field manager, and a user
// agent with its version.
import { packageVersion } from '@shelfpulse/core/cli/help-and-version';

export const fieldManager = 'shelfpulse-bridge';

export const bridgeUserAgent = `${fieldManager}/${packageVersion(new URL('../package.json', import.meta.url))}`;
