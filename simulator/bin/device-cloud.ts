#!/usr/bin/env node
// device-cloud: the local stand-in for Izuma/Pelion Device Management (see --help).
// Stops cleanly on SIGTERM or SIGINT.
import { exitOnHelpOrVersion } from '@shelfpulse/core/cli/help-and-version';
import { loadCliConfig, usage } from '../src/cloud/cli-config.ts';
import { ConfigError } from '../src/cloud/config.ts';
import { startDeviceCloud } from '../src/cloud/device-cloud.ts';

exitOnHelpOrVersion({
  name: 'device-cloud',
  usage,
  packageJson: new URL('../package.json', import.meta.url),
});

async function main(): Promise<number> {
  let loaded;
  try {
    loaded = loadCliConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`device-cloud: ${err.message}\n`);
    return 2;
  }
  const cloud = await startDeviceCloud(loaded.config);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await cloud.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`device-cloud: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
