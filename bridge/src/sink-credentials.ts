// A sink's InfluxDB credentials as they are now: values from the configuration
// (the environment, or a MetricSink's Secret) or files (a mounted Secret), read
// again when rotated (credential.ts), so the next write uses a new password.
import { Credential } from './credential.ts';
import { sinkCredentialFields, type SinkConfig } from './sink-config.ts';

type Field = (typeof sinkCredentialFields)[number];
const credentialKeys = sinkCredentialFields.flatMap((key) => [key, `${key}File`] as const);

/** Do two configurations of a sink differ in their credentials only (a rotated MetricSink Secret)? */
export function sameExceptCredentials(a: SinkConfig, b: SinkConfig): boolean {
  const rest = (c: SinkConfig): string =>
    JSON.stringify(
      Object.fromEntries(Object.entries(c).filter(([k]) => !credentialKeys.includes(k as never))),
    );
  return rest(a) === rest(b);
}

/**
 * Puts `from`'s credentials into `into`, the configuration a running writer and
 * its target hold: their next write uses them, and the points they buffer stay.
 */
export function takeCredentials(into: SinkConfig, from: SinkConfig): void {
  for (const key of credentialKeys) {
    if (from[key] === undefined) delete into[key];
    else into[key] = from[key];
  }
}

/** One Credential per file, shared by the sink's writes and reads. */
const files = new Map<string, Credential>();

function fileCredential(sink: SinkConfig, key: Field, path: string): Credential {
  let credential = files.get(path);
  if (!credential) {
    credential = Credential.fromFile(path, { name: `sinks.${sink.name}.${key}File` });
    files.set(path, credential);
  }
  return credential;
}

export function sinkCredentials(sink: SinkConfig): Partial<Record<Field, string>> {
  const now: Partial<Record<Field, string>> = {};
  for (const key of sinkCredentialFields) {
    const path = sink[`${key}File`];
    const value = path === undefined ? sink[key] : fileCredential(sink, key, path).current();
    if (value !== undefined) now[key] = value;
  }
  return now;
}

/** Reads the sink's credential files again now (InfluxDB refused them); true when one changed. */
export function refreshSinkCredentials(sink: SinkConfig): boolean {
  let changed = false;
  for (const key of sinkCredentialFields) {
    const path = sink[`${key}File`];
    if (path !== undefined) changed = fileCredential(sink, key, path).refresh() || changed;
  }
  return changed;
}

/** The Authorization header for InfluxDB 1.x /write and /query, if any. */
export function sinkAuthorization(sink: SinkConfig): string | undefined {
  const { username, password, token } = sinkCredentials(sink);
  if (username !== undefined)
    return `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
  return token ? `Token ${token}` : undefined;
}

/** The v2 client's token: the token, or `user:password` (InfluxDB 1.8's 2.x-compatible API). */
export function sinkToken(sink: SinkConfig): string {
  const { username, password, token } = sinkCredentials(sink);
  return token ?? (username !== undefined ? `${username}:${password ?? ''}` : '');
}
