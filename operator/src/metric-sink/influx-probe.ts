// Checks an InfluxDB target the way the bridge will use it: /ping for
// reachability, an empty write (which checks credentials, database and
// retention policy without storing a point) for writability, and, for 1.x,
// creates the database and retention policy when they are missing and allowed.
// The URL is the resource author's choice, so whatever answers there is not
// trusted: no redirect is followed (credentials stay with the named host),
// at most a few KiB of an answer are read, and the status says what happened
// in the operator's own words and status codes, never with the remote body.
import type { MetricSinkSpec, SinkReason } from '@shelfpulse/core/api/metric-sink';

export interface SinkCredentials {
  username?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
}

export interface ProbeResult {
  reachable: boolean;
  writable: boolean;
  reason: SinkReason;
  message: string;
  created: string[];
}

const timeoutMs = 5000;
/** Enough for InfluxDB's small JSON answers to SHOW DATABASES / RETENTION POLICIES. */
const maxAnswerBytes = 64 * 1024;

export async function probeInfluxSink(
  spec: MetricSinkSpec,
  credentials: SinkCredentials,
): Promise<ProbeResult> {
  const base = spec.url.replace(/\/$/, '');
  const created: string[] = [];
  const result = (
    reachable: boolean,
    writable: boolean,
    reason: SinkReason,
    message: string,
  ): ProbeResult => ({
    reachable,
    writable,
    reason,
    message,
    created,
  });
  try {
    const ping = await fetch(`${base}/ping`, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await ping.body?.cancel();
    if (ping.status !== 204 && ping.status !== 200) {
      return result(false, false, 'Unreachable', `${base}/ping answered ${ping.status}, not InfluxDB's 204`);
    }
  } catch (error) {
    return result(false, false, 'Unreachable', `cannot reach ${base}: ${causeOf(error)}`);
  }

  const headers: Record<string, string> = {};
  if (spec.flavour === 'v2') {
    const token =
      credentials.token ??
      (credentials.username ? `${credentials.username}:${credentials.password ?? ''}` : undefined);
    if (token) headers['authorization'] = `Token ${token}`;
  } else if (credentials.username) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
  }

  if (spec.flavour === 'v1') {
    const prepared = await prepareV1(base, spec, headers, created);
    if (prepared) return result(true, false, prepared.reason, prepared.message);
  }

  const writeUrl =
    spec.flavour === 'v1'
      ? `${base}/write?${new URLSearchParams({ db: spec.database!, ...(spec.retentionPolicy ? { rp: spec.retentionPolicy } : {}) })}`
      : `${base}/api/v2/write?${new URLSearchParams({ bucket: spec.bucket!, ...(spec.org ? { org: spec.org } : {}) })}`;
  const write = await fetch(writeUrl, {
    method: 'POST',
    headers,
    body: '',
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (write.status === 204) {
    const what = spec.flavour === 'v1' ? `database ${spec.database}` : `bucket ${spec.bucket}`;
    return result(
      true,
      true,
      'Ready',
      `${what} at ${base} is writable${created.length ? ` (created ${created.join(', ')})` : ''}`,
    );
  }
  // Read (a little) to tell a missing database from other failures; never copied into the status.
  const text = await boundedText(write);
  if (write.status === 401 || write.status === 403) {
    return result(
      true,
      false,
      'Unauthorized',
      `InfluxDB refused to let ${who(credentials)} write (HTTP ${write.status}): check the credentials`,
    );
  }
  const target = spec.flavour === 'v1' ? `database ${spec.database}` : `bucket ${spec.bucket}`;
  if (write.status === 404 || /not found/.test(text))
    return result(true, false, 'DatabaseMissing', `${target} not found (HTTP ${write.status})`);
  return result(true, false, 'WriteFailed', `a test write to ${target} answered HTTP ${write.status}`);
}

async function prepareV1(
  base: string,
  spec: MetricSinkSpec,
  headers: Record<string, string>,
  created: string[],
): Promise<{ reason: SinkReason; message: string } | undefined> {
  const query = async (q: string): Promise<{ status: number; failed: boolean; values: string[] }> => {
    const response = await fetch(`${base}/query`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    let body: {
      error?: string;
      results?: Array<{ error?: string; series?: Array<{ values?: unknown[][] }> }>;
    } = {};
    try {
      body = JSON.parse(await boundedText(response, maxAnswerBytes)) as typeof body;
    } catch {
      // not InfluxDB's JSON: counts as a failure below
    }
    const failed = response.status >= 300 || Boolean(body.error ?? body.results?.[0]?.error) || !body.results;
    const values = (body.results?.[0]?.series?.[0]?.values ?? []).map((row) => String(row[0]));
    return { status: response.status, failed, values };
  };
  const database = spec.database!;
  const databases = await query('SHOW DATABASES');
  if (databases.status === 401 || databases.status === 403)
    return {
      reason: 'Unauthorized',
      message: `InfluxDB rejected the credentials (HTTP ${databases.status})`,
    };
  // A user without admin rights sees only the databases it may use; an error here is not fatal.
  if (!databases.failed && !databases.values.includes(database)) {
    if (!spec.createDatabase) {
      return {
        reason: 'DatabaseMissing',
        message: `database ${database} does not exist and spec.createDatabase is false`,
      };
    }
    const create = await query(`CREATE DATABASE ${ident(database)}`);
    if (create.failed) {
      return {
        reason: 'DatabaseMissing',
        message: `database ${database} does not exist and could not be created (HTTP ${create.status}; creating it needs an admin user)`,
      };
    }
    created.push(`database ${database}`);
  }
  if (spec.retentionPolicy) {
    const policies = await query(`SHOW RETENTION POLICIES ON ${ident(database)}`);
    if (!policies.failed && !policies.values.includes(spec.retentionPolicy) && spec.createDatabase) {
      const duration = spec.retentionDuration === 'INF' ? 'INF' : spec.retentionDuration;
      const create = await query(
        `CREATE RETENTION POLICY ${ident(spec.retentionPolicy)} ON ${ident(database)} DURATION ${duration} REPLICATION 1`,
      );
      if (create.failed) {
        return {
          reason: 'DatabaseMissing',
          message: `retention policy ${spec.retentionPolicy} on ${database} does not exist and could not be created (HTTP ${create.status}; creating it needs an admin user)`,
        };
      }
      created.push(`retention policy ${spec.retentionPolicy}`);
    }
  }
  return undefined;
}

const ident = (name: string): string => `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const who = (c: SinkCredentials): string =>
  c.username ? `user ${c.username}` : c.token ? 'the token' : 'anonymous requests';

/** At most `limit` bytes of an answer's body; the rest is never read. */
async function boundedText(response: Response, limit = 4096): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
