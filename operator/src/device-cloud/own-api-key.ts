// The operator's own device-cloud API key. From the environment it is fixed
// for the process's life; named as a Secret (`name/key` in the operator's
// namespace) it is read again when older than a short time, so a rotated key
// takes effect without a restart. A failed read keeps the last key it had.
import type { Logger } from 'pino';
import type { KubeClient, KubeObject } from '@shelfpulse/core/kube/client';
import { resourcePath, resources } from '@shelfpulse/core/kube/paths';

export interface OwnApiKeyOptions {
  client: KubeClient;
  log: Logger;
  namespace: string;
  /** From SHELFPULSE_DEVICE_CLOUD_API_KEY: used until (or unless) the Secret is read. */
  fromEnv: string | undefined;
  /** `name/key` of a Secret in `namespace`. */
  secret: string | undefined;
  maxAgeMs: number;
}

export function ownApiKey(options: OwnApiKeyOptions): () => Promise<string | undefined> {
  let key = options.fromEnv;
  let readAt = 0;
  let reading: Promise<void> | undefined;
  const [name, field] = options.secret?.split('/') ?? [];
  const read = async (): Promise<void> => {
    try {
      const secret = await options.client.request<KubeObject & { data?: Record<string, string> }>(
        'GET',
        resourcePath(resources.secrets, options.namespace, name),
        { signal: AbortSignal.timeout(10_000) },
      );
      const value = secret.data?.[field!];
      if (value) key = Buffer.from(value, 'base64').toString('utf8').trim();
      else options.log.warn({ secret: options.secret }, 'the device-cloud key Secret has no such key');
    } catch (error) {
      options.log.warn({ secret: options.secret, err: String(error) }, 'could not read the device-cloud key');
    }
    readAt = Date.now();
  };
  return async () => {
    if (name && field && Date.now() - readAt > options.maxAgeMs) {
      reading ??= read().finally(() => (reading = undefined));
      await reading;
    }
    return key;
  };
}
