// One watch request: streams JSON lines until the server ends it, the
// connection breaks, or nothing (not even a bookmark) arrives for `silenceMs`
// — the case where a watch dies quietly and would otherwise hang forever.
import { errorOf, type KubeClient, type KubeObject } from './client.ts';

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchOptions {
  resourceVersion: string;
  timeoutSeconds: number;
  silenceMs: number;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  accept?: string | undefined;
  signal: AbortSignal;
}

export type WatchEnd = 'closed' | 'silent' | 'aborted';

export async function watchStream<T extends KubeObject>(
  client: KubeClient,
  path: string,
  options: WatchOptions,
  onEvent: (event: WatchEvent<T>) => void,
): Promise<WatchEnd> {
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  let silent = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      silent = true;
      abort.abort();
    }, options.silenceMs);
  };
  try {
    arm();
    const response = await client.open('GET', path, {
      query: {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: options.resourceVersion,
        timeoutSeconds: options.timeoutSeconds,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
      },
      accept: options.accept,
      signal: abort.signal,
      timeoutMs: 0,
    });
    if (response.statusCode !== 200) {
      let text = '';
      for await (const chunk of response) text += String(chunk);
      throw errorOf('WATCH', path, response.statusCode ?? 0, text);
    }
    // Iterating the response itself (not readline over it) turns a broken connection into a
    // rejection here instead of an unhandled 'error' event.
    response.setEncoding('utf8');
    let buffered = '';
    for await (const chunk of response as AsyncIterable<string>) {
      arm();
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (line.trim()) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    }
    return silent ? 'silent' : options.signal.aborted ? 'aborted' : 'closed';
  } catch (error) {
    if (silent) return 'silent';
    if (options.signal.aborted) return 'aborted';
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
    options.signal.removeEventListener('abort', onOuterAbort);
  }
}
