#!/usr/bin/env node
// shelf-sim: N simulated smart shelves (LwM2M clients) with a shopper model.
// Configuration: --config FILE / SHELF_SIM_CONFIG, SHELF_SIM_* variables, flags
// (see --help). Stops cleanly (de-registering every shelf) on SIGTERM or SIGINT.
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { pino } from 'pino';
import { exitOnHelpOrVersion } from '@shelfpulse/core/cli/help-and-version';
import { ConfigError, loadSettings, usage } from '../src/shelf/cli-config.ts';
import { GroundTruthFile } from '../src/shelf/ground-truth-file.ts';
import { startSummary } from '../src/shelf/live-summary.ts';
import { createShelfSimMetrics } from '../src/shelf/metrics.ts';
import { ShelfSimRunner } from '../src/shelf/shelf-sim-runner.ts';
import { startStatusServer, type StatusServer } from '../src/shelf/status-server.ts';

exitOnHelpOrVersion({ name: 'shelf-sim', usage, packageJson: new URL('../package.json', import.meta.url) });

async function main(): Promise<number> {
  let settings;
  try {
    settings = loadSettings(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`shelf-sim: ${error.message}\n`);
    return 2;
  }
  const { config, options } = settings;
  const line =
    options.summary === 'line' || (options.summary === 'auto' && process.stdout.isTTY)
      ? process.stdout
      : undefined;
  // With a summary line on stdout, JSON logs go to stderr so the two do not mix.
  const log = pino({ name: 'shelf-sim', level: options.logLevel }, pino.destination(line ? 2 : 1));

  let serverAddress = config.server.host;
  if (!isIPv4(serverAddress)) {
    try {
      serverAddress = (await lookup(serverAddress, { family: 4 })).address;
    } catch (error) {
      process.stderr.write(
        `shelf-sim: cannot resolve server ${config.server.host}: ${(error as Error).message}\n`,
      );
      return 2;
    }
  }
  let groundTruth: GroundTruthFile | undefined;
  if (options.groundTruthPath) {
    try {
      groundTruth = await GroundTruthFile.open(options.groundTruthPath);
    } catch (error) {
      process.stderr.write(`shelf-sim: ${(error as Error).message}\n`);
      return 2;
    }
  }

  const runner = new ShelfSimRunner(config, {
    simStartMs: options.simStartMs,
    serverAddress,
    bindAddress: serverAddress.startsWith('127.') ? '127.0.0.1' : undefined,
    onEvent: groundTruth ? (record) => groundTruth.write(record) : undefined,
    log,
  });
  log.info(
    {
      fleet: config.fleet,
      shelves: config.shelvesPerReplica,
      replicaIndex: config.replicaIndex,
      firstEndpoint: runner.endpoints[0],
      server: `${serverAddress}:${config.server.port}`,
      seed: config.seed,
      speedup: config.speedup,
      simStart: new Date(runner.clock.simStartMs).toISOString(),
      groundTruth: options.groundTruthPath,
    },
    'starting shelves',
  );
  let status: StatusServer | undefined;
  if (options.http) {
    const stats = () => runner.stats();
    try {
      status = await startStatusServer({ ...options.http, registry: createShelfSimMetrics(stats), stats });
    } catch (error) {
      process.stderr.write(
        `shelf-sim: cannot listen on ${options.http.host}:${options.http.port}: ${(error as Error).message}\n`,
      );
      return 2;
    }
    log.info({ url: status.url }, 'serving /healthz, /readyz and /metrics');
  }
  const stopSummary = startSummary(runner, { line, log });

  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal: the person wants out now.
        log.warn({ signal }, 'stopping without waiting for de-registration');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'stopping: de-registering shelves');
      stopSummary();
      void (async () => {
        await runner.stop({ timeoutMs: 5000 });
        await groundTruth?.close();
        await status?.close();
        log.info({ ...runner.stats(), groundTruthError: groundTruth?.error?.message }, 'stopped');
        resolve(0);
      })();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  try {
    await runner.start();
  } catch (error) {
    log.error({ err: (error as Error).message }, 'cannot start the shelves');
    stopSummary();
    await runner.stop({ timeoutMs: 2000 });
    await groundTruth?.close();
    await status?.close();
    return 1;
  }
  log.info({ sockets: runner.stats().shelves }, 'all shelves started');
  return stopped;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`shelf-sim: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
