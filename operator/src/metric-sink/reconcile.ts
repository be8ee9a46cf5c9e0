// Reconciles one MetricSink: credentials from its Secret → probe InfluxDB
// (creating the 1.x database where allowed) → status and the Ready condition.
// pointsWritten/pointsDropped belong to the bridge's field manager and are
// left alone here.
import { apiVersion } from '@shelfpulse/core/api/group';
import {
  MetricSinkSpecSchema,
  type MetricSink,
  type MetricSinkStatus,
  type SinkReason,
} from '@shelfpulse/core/api/metric-sink';
import { manages, notManaged } from '../config.ts';
import type { OperatorContext } from '../context.ts';
import type { KubeObject } from '@shelfpulse/core/kube/client';
import { readReferencedSecret, SecretReferenceError } from '@shelfpulse/core/kube/secret-reference';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';
import { findCondition, setConditions } from '@shelfpulse/core/runtime/conditions';
import { errorMessage, type ReconcileResult } from '@shelfpulse/core/runtime/controller';
import { fieldManager } from '../shelf-fleet/workload.ts';
import { probeInfluxSink, type ProbeResult, type SinkCredentials } from './influx-probe.ts';

type Sink = MetricSink & KubeObject;

export async function reconcileMetricSink(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const sink = ctx.informers.sinks.get(key);
  if (!sink || sink.metadata.deletionTimestamp || ctx.leading.aborted) return {};
  const parsed = MetricSinkSpecSchema.safeParse(sink.spec);
  let probe: ProbeResult;
  if (!parsed.success) {
    probe = failed(
      'WriteFailed',
      `spec is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  } else {
    const credentials = await readCredentials(ctx, sink, parsed.data.credentialsSecretRef);
    // The probe may create databases: only the leader does that.
    if (ctx.leading.aborted) return {};
    probe =
      'reason' in credentials
        ? credentials
        : await probeInfluxSink(parsed.data, credentials).catch((e: unknown) =>
            failed('Unreachable', errorMessage(e)),
          );
  }
  const ready = probe.reason === 'Ready';
  const status: MetricSinkStatus = {
    observedGeneration: sink.metadata.generation,
    reachable: probe.reachable,
    writable: probe.writable,
    lastCheckTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(ready ? {} : { lastError: probe.message }),
    conditions: setConditions(
      sink.status?.conditions,
      [{ type: 'Ready', status: ready ? 'True' : 'False', reason: probe.reason, message: probe.message }],
      sink.metadata.generation,
    ),
  };
  if (ctx.leading.aborted) return {};
  const previous = findCondition(sink.status?.conditions, 'Ready');
  if (previous?.reason !== probe.reason) {
    await ctx.events.record(sink, ready ? 'Normal' : 'Warning', probe.reason, probe.message);
  }
  for (const what of probe.created) await ctx.events.record(sink, 'Normal', 'Created', `created ${what}`);
  await ctx.client.apply(
    resourcePath(resources.metricSinks, sink.metadata.namespace, sink.metadata.name, 'status'),
    {
      apiVersion,
      kind: 'MetricSink',
      metadata: { name: sink.metadata.name, namespace: sink.metadata.namespace },
      status,
    },
    fieldManager,
  );
  // Healthy sinks are checked now and then; failing ones sooner, so a fixed sink turns Ready quickly.
  return { requeueAfterMs: ready ? ctx.config.sinkCheckMs : Math.min(ctx.config.sinkCheckMs, 10_000) };
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
