// A replica that becomes active continues each device's counts from where
// InfluxDB has them (the spool, when newer, wins), so the first count it sees
// is a change, not a baseline. Every sink is asked at once (each read is
// bounded), so sinks that never answer cannot add up to delay a takeover; the
// answers apply in the sinks' order.
import type { Logger } from 'pino';
import { lastCounts } from '../baseline.ts';
import type { Bridge } from '../bridge.ts';

export async function loadDeviceCounts(bridge: Bridge, log: Logger): Promise<void> {
  const sinks = [...bridge.sinks.values()].map((writer) => writer.config);
  const answers = await Promise.allSettled(sinks.map((sink) => lastCounts(sink)));
  const { translator } = bridge;
  answers.forEach((answer, i) => {
    const sink = sinks[i]!;
    if (answer.status === 'rejected') {
      log.warn(
        { sink: sink.name, err: answer.reason },
        'could not load device counts; first counts will be baselines',
      );
      return;
    }
    const last = answer.value;
    const seeded = translator.deriver.seed(last.devices);
    for (const [device, product] of Object.entries(last.products))
      if (translator.productId(device) === undefined) translator.setProductId(device, product);
    log.info({ sink: sink.name, devices: seeded }, 'device counts loaded from InfluxDB');
  });
}
