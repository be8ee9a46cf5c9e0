// A small Connect API client for the shelf tests: pre-subscriptions and a
// long-poll loop that collects count notifications from the emulator.
export interface CountNotification {
  deviceId: string;
  path: string;
  value: string;
}

export class ConnectApiClient {
  readonly notifications: CountNotification[] = [];
  private readonly url: string;
  private readonly apiKey: string;
  private polling = false;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();

  constructor(url: string, apiKey: string) {
    this.url = url;
    this.apiKey = apiKey;
  }

  async call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.abort.signal,
    });
  }

  async preSubscribe(list: unknown[]): Promise<void> {
    const res = await this.call('PUT', '/v2/subscriptions', list);
    if (res.status !== 204) throw new Error(`pre-subscriptions: ${res.status} ${await res.text()}`);
  }

  /** Starts pulling; resolves after the first pull has created the channel. */
  async startPolling(): Promise<void> {
    this.polling = true;
    let first: () => void = () => undefined;
    const created = new Promise<void>((resolve) => (first = resolve));
    this.loop = (async () => {
      while (this.polling) {
        const pending = this.call('GET', '/v2/notification/pull');
        first();
        let res: Response;
        try {
          res = await pending;
        } catch {
          return; // aborted by stop()
        }
        if (res.status === 200) {
          const message = (await res.json()) as {
            notifications?: { ep: string; path: string; payload: string }[];
          };
          for (const n of message.notifications ?? []) {
            this.notifications.push({
              deviceId: n.ep,
              path: n.path,
              value: Buffer.from(n.payload, 'base64').toString(),
            });
          }
        } else if (res.status !== 204) {
          await res.text();
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    await created;
    await new Promise((r) => setTimeout(r, 50)); // let the first request reach the server
  }

  async stop(): Promise<void> {
    this.polling = false;
    this.abort.abort();
    await this.loop;
    this.abort = new AbortController();
  }

  values(deviceId: string, path = '/10341/0/26342'): string[] {
    return this.notifications.filter((n) => n.deviceId === deviceId && n.path === path).map((n) => n.value);
  }
}
