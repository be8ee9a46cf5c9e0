// Reconciles one MetricSink, in the same shape as the ShelfFleet controller:
// one step (credentials from its Secret → probe InfluxDB, creating the 1.x
// database where allowed) returns a result; the status, the events and when to
// check again are computed from it (status.ts), and the status is applied
// under the operator's field manager.
import { apiVersion } from '@shelfpulse/core/api/group';
import { MetricSinkSpecSchema, type MetricSink, type SinkReason } from '@shelfpulse/core/api/metric-sink';
import { manages, notManaged } from '../config.ts';
import type { OperatorContext } from '../context.ts';
import type { KubeObject } from '@shelfpulse/core/kube/client';
import { readReferencedSecret, SecretReferenceError } from '@shelfpulse/core/kube/secret-reference';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { errorMessage, type ReconcileResult } from '@shelfpulse/core/runtime/controller';
import { apply } from '../field-manager.ts';
import { probeInfluxSink, type ProbeResult, type SinkCredentials } from './influx-probe.ts';
import { nextCheck, sinkEvents, sinkStatus } from './status.ts';

type Sink = MetricSink & KubeObject;

export async function reconcileMetricSink(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const sink = ctx.informers.sinks.get(key);
  // A MetricSink has no finalizer: nothing to clean up when it goes.
  if (!sink || sink.metadata.deletionTimestamp || ctx.leading.aborted) return {};
  const probe = await checkSink(ctx, sink);
  if (ctx.leading.aborted) return {};
  for (const event of sinkEvents(sink, probe))
    await ctx.events.record(sink, event.type, event.reason, event.message);
  await apply(
    ctx.client,
    resourcePath(resources.metricSinks, sink.metadata.namespace, sink.metadata.name, 'status'),
    {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: sink.metadata.name, namespace: sink.metadata.namespace },
      status: sinkStatus(sink, probe),
    },
  );
  return nextCheck(probe, ctx.config.sinkCheckMs);
}

/** Credentials from the Secret, then the probe; every problem is a result with its reason. */
async function checkSink(ctx: OperatorContext, sink: Sink): Promise<ProbeResult> {
  const parsed = MetricSinkSpecSchema.safeParse(sink.spec);
  if (!parsed.success) {
    return failed(
      'WriteFailed',
      `spec is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const credentials = await readCredentials(ctx, sink, parsed.data.credentialsSecretRef);
  if ('reason' in credentials) return credentials;
  // The probe may create databases: only the leader does that.
  if (ctx.leading.aborted) return failed('Unreachable', 'leadership ended before the check');
  return probeInfluxSink(parsed.data, credentials).catch((e: unknown) =>
    failed('Unreachable', errorMessage(e)),
  );
}

function failed(reason: SinkReason, message: string, reachable = false): ProbeResult {
  return { reachable, writable: false, reason, message, created: [] };
}

async function readCredentials(
  ctx: OperatorContext,
  sink: Sink,
  ref: NonNullable<MetricSink['spec']['credentialsSecretRef']> | undefined,
): Promise<SinkCredentials | ProbeResult> {
  if (!ref) return {};
  if (!manages(ctx.config, sink.metadata.namespace))
    return failed('SecretForbidden', notManaged(sink.metadata.namespace!));
  let values: Record<string, string>;
  try {
    values = await readReferencedSecret(
      ctx.client,
      sink.metadata.namespace!,
      ref.name,
      'spec.credentialsSecretRef',
      [ref.usernameKey, ref.passwordKey, ref.tokenKey],
    );
  } catch (error) {
    if (!(error instanceof SecretReferenceError))
      return failed('SecretMissing', `cannot read Secret ${ref.name}: ${errorMessage(error)}`);
    const reason =
      error.reason === 'SecretNotAllowed' || error.reason === 'SecretForbidden'
        ? error.reason
        : 'SecretMissing';
    return failed(reason, error.message);
  }
  const value = (k: string): string | undefined => values[k];
  const credentials = {
    username: value(ref.usernameKey),
    password: value(ref.passwordKey),
    token: value(ref.tokenKey),
  };
  if (!credentials.username && !credentials.token) {
    return failed('SecretMissing', `Secret ${ref.name} has neither ${ref.usernameKey} nor ${ref.tokenKey}`);
  }
  return credentials;
}
