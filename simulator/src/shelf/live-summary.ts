// What a person running shelf-sim sees: on a terminal, one line rewritten every
// second; otherwise a JSON log line every `logEveryMs`.
import type { Logger } from 'pino';
import type { RunnerStats } from './shelf-sim-runner.ts';

export interface SummarySource {
  stats(): RunnerStats;
}

export function formatSummary(stats: RunnerStats, eventsPerSecond: number): string {
  const sim = new Date(stats.simTimeMs).toISOString().slice(0, 16).replace('T', ' ');
  return (
    `shelves ${stats.registered}/${stats.shelves} registered · ${eventsPerSecond.toFixed(1)} events/s · ` +
    `pickups ${stats.events.pickup} putbacks ${stats.events.putback} restocks ${stats.events.restock} · ` +
    `errors ${stats.errors} · sim ${sim}`
  );
}

function totalEvents(stats: RunnerStats): number {
  return stats.events.pickup + stats.events.putback + stats.events.restock;
}

/** Starts the summary; returns a function that stops it (and ends the terminal line). */
export function startSummary(
  source: SummarySource,
  mode: { line: NodeJS.WriteStream | undefined; log: Logger; logEveryMs?: number },
): () => void {
  let last = { at: Date.now(), events: 0 };
  let lastLog = Date.now();
  const tick = (): void => {
    const stats = source.stats();
    const now = Date.now();
    const events = totalEvents(stats);
    const rate = ((events - last.events) * 1000) / Math.max(1, now - last.at);
    last = { at: now, events };
    if (mode.line) mode.line.write(`\r\x1b[K${formatSummary(stats, rate)}`);
    else if (now - lastLog >= (mode.logEveryMs ?? 10_000)) {
      lastLog = now;
      mode.log.info(
        { ...stats, simTime: new Date(stats.simTimeMs).toISOString(), eventsPerSecond: rate },
        'summary',
      );
    }
  };
  const timer = setInterval(tick, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (mode.line) mode.line.write('\n');
  };
}
