#!/usr/bin/env node
// The bridge's entry point: configuration from file, flags and environment;
// SIGTERM/SIGINT stop intake and flush the buffers before exiting.
import { pino } from 'pino';
import { startBridgeApp } from '../src/app.ts';
import { ConfigError, loadConfig, usage } from '../src/config.ts';
import { exitOnHelpOrVersion } from '@shelfpulse/core/cli/help-and-version';

exitOnHelpOrVersion({ name: 'bridge', usage, packageJson: new URL('../package.json', import.meta.url) });

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`bridge: ${error.message}\n\nRun with --help for usage.`);
      return 2;
    }
    throw error;
  }
  const log = pino({ name: 'bridge', level: config.logLevel });
  const app = await startBridgeApp(config, { log });
  // Tests and supervisors read the address from here.
  log.info({ url: app.url, pid: process.pid }, 'ready');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping: flushing buffers');
      void app.close().then((left) => {
        log.info({ unwritten: left, spooled: config.spool !== undefined }, 'stopped');
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

process.on('unhandledRejection', (reason) => {
  // A bug must be loud, but one bad promise must not take the data path down.
  console.error(JSON.stringify({ level: 50, msg: 'unhandled rejection', err: String(reason) }));
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bridge: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
