// The operator's entry point: `node operator/bin/operator.ts`. Configuration
// comes from the environment (see src/config.ts); SIGTERM/SIGINT stop it
// cleanly, releasing the leader lease so another replica takes over at once.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { exitOnHelpOrVersion } from '@shelfpulse/core/cli/help-and-version';
import { configFromEnv, usage } from '../src/config.ts';
import { startOperator } from '../src/operator.ts';

exitOnHelpOrVersion({
  name: 'shelfpulse-operator',
  usage,
  packageJson: new URL('../package.json', import.meta.url),
});
let config;
try {
  // No flags besides --help and --version: an unknown one is a mistake, not something to ignore.
  parseArgs({ args: process.argv.slice(2), options: {}, strict: true, allowPositionals: false });
  config = configFromEnv();
} catch (error) {
  console.error(JSON.stringify({ level: 'fatal', msg: (error as Error).message }));
  process.exit(2);
}
const log = pino({ level: config.logLevel, base: { component: 'shelfpulse-operator' } });
process.on('unhandledRejection', (reason) => log.error({ err: String(reason) }, 'unhandled rejection'));

let operator;
try {
  operator = await startOperator(config, { logger: log });
} catch (error) {
  // e.g. an unreadable kubeconfig or a port in use: one clear line, no stack trace.
  log.fatal({ err: (error as Error).message }, 'cannot start');
  process.exit(2);
}
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    void operator.close().then(() => process.exit(0));
  });
}
