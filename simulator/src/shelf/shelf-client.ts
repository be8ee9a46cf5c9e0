// The LwM2M 1.0 client of one shelf: registers with the server, keeps the
// registration alive, answers reads and observations of its objects and sends a
// confirmable notification for every count change. When the server has
// forgotten it (4.04 to an update, or a Reset to a notification) it registers
// again; on stop it de-registers.
import { EventEmitter } from 'node:events';
import type { ParsedPacket } from 'coap-packet';
import type { Logger } from 'pino';
import { contentFormats } from '../lwm2m/content-format.ts';
import {
  CoapEndpoint,
  CoapResetError,
  defaultCoapTiming,
  type CoapResponse,
  type CoapTiming,
  type Remote,
} from './coap-endpoint.ts';
import { optionUint, optionValues, stringOptions, uintOption, uriPath } from './coap-options.ts';
import { EMPTY_FLAG, ITEM_COUNT, SHELF_OBJECT, ShelfObjects, type ShelfIdentity } from './shelf-objects.ts';

export interface ShelfClientOptions extends ShelfIdentity {
  endpointType: string;
  server: Remote;
  initialCount: number;
  /** Local address to bind; undefined binds every interface. */
  bindAddress?: string | undefined;
  timing?: CoapTiming | undefined;
  /** Registration retry back-off bounds. */
  retryMinMs?: number | undefined;
  retryMaxMs?: number | undefined;
  /** Notifications waiting for the previous one's ACK before the oldest is dropped. */
  maxQueuedNotifications?: number | undefined;
  log?: Logger | undefined;
}

export type ShelfClientState = 'idle' | 'registering' | 'registered' | 'stopped';

export interface ShelfClientEvents {
  registered: [location: string];
  unregistered: [reason: string];
  observed: [path: string];
  notified: [path: string];
  error: [error: Error];
}

interface Observation {
  token: Buffer;
  path: string[];
  accept: number | undefined;
  remote: Remote;
}

interface QueuedNotification {
  observation: Observation;
  response: CoapResponse;
}

const countPath = `/${SHELF_OBJECT}/0/${ITEM_COUNT}`;
const emptyPath = `/${SHELF_OBJECT}/0/${EMPTY_FLAG}`;

export class ShelfClient extends EventEmitter<ShelfClientEvents> {
  readonly endpointName: string;
  private readonly options: ShelfClientOptions;
  private readonly objects: ShelfObjects;
  private coap: CoapEndpoint | undefined;
  private stateValue: ShelfClientState = 'idle';
  private location: string[] = [];
  private updateTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs: number;
  private updating = false;
  private readonly observations = new Map<string, Observation>();
  private observeSequence = 2;
  private readonly queue: QueuedNotification[] = [];
  private sending = false;
  /** Counters for the live summary and metrics. */
  readonly counters = { registrations: 0, notifications: 0, droppedNotifications: 0, errors: 0 };

  constructor(options: ShelfClientOptions) {
    super();
    this.options = options;
    this.endpointName = options.endpoint;
    this.objects = new ShelfObjects(options, options.initialCount);
    this.retryDelayMs = options.retryMinMs ?? 1000;
    // An 'error' without listener would throw; errors are counted and logged instead.
    this.on('error', () => undefined);
  }

  get state(): ShelfClientState {
    return this.stateValue;
  }

  get count(): number {
    return this.objects.count;
  }

  get observationCount(): number {
    return this.observations.size;
  }

  /** Opens the socket and starts registering (resolves once the socket is bound). */
  async start(): Promise<void> {
    if (this.coap) return;
    this.coap = await CoapEndpoint.open(this.options.bindAddress, this.options.timing ?? defaultCoapTiming);
    this.coap.onError = (error) => this.fail('socket', error);
    this.coap.handle((request, remote) => this.answer(request, remote));
    void this.register();
  }

  /** The count changed: remember it and notify every observer it concerns. */
  setCount(count: number): void {
    const wasEmpty = this.objects.count === 0;
    this.objects.count = count;
    const emptyChanged = wasEmpty !== (count === 0);
    for (const observation of this.observations.values()) {
      const path = `/${observation.path.join('/')}`;
      const concerned =
        path === countPath ||
        (path === emptyPath && emptyChanged) ||
        path === `/${SHELF_OBJECT}/0` ||
        path === `/${SHELF_OBJECT}`;
      if (concerned) this.enqueue(observation);
    }
  }

  /** De-registers (if registered, waiting at most `timeoutMs`) and closes the socket. */
  async stop(options: { deregister?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.stateValue === 'stopped') return;
    const wasRegistered = this.stateValue === 'registered';
    this.stateValue = 'stopped';
    clearTimeout(this.updateTimer);
    clearTimeout(this.retryTimer);
    const coap = this.coap;
    if (coap && wasRegistered && options.deregister !== false) {
      const deregistered = coap
        .request(
          this.options.server,
          { method: 'DELETE', options: stringOptions('Uri-Path', this.location) },
          'de-register',
        )
        .then((res) =>
          this.options.log?.info({ endpoint: this.endpointName, code: res.code }, 'de-registered'),
        )
        .catch((error: unknown) =>
          this.options.log?.warn({ endpoint: this.endpointName, err: error }, 'de-registration failed'),
        );
      await Promise.race([
        deregistered,
        new Promise((resolve) => setTimeout(resolve, options.timeoutMs ?? 3000).unref()),
      ]);
    }
    coap?.close();
  }

  private async register(): Promise<void> {
    const coap = this.coap;
    if (!coap || this.stateValue === 'stopped') return;
    this.stateValue = 'registering';
    clearTimeout(this.updateTimer);
    this.observations.clear();
    this.queue.length = 0;
    const o = this.options;
    const query = [`ep=${o.endpoint}`, `lt=${o.lifetimeSeconds}`, 'lwm2m=1.0', 'b=U'];
    if (o.endpointType) query.push(`et=${o.endpointType}`);
    let response: ParsedPacket;
    try {
      response = await coap.request(
        o.server,
        {
          method: 'POST',
          options: [
            ...stringOptions('Uri-Path', ['rd']),
            uintOption('Content-Format', contentFormats['application/link-format']),
            ...stringOptions('Uri-Query', query),
          ],
          payload: Buffer.from(this.objects.linkFormat()),
        },
        'register',
      );
    } catch (error) {
      this.retryRegistration(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.stopped()) return;
    if (response.code !== '2.01') {
      this.retryRegistration(
        new Error(`server answered ${response.code} to register: ${response.payload.toString()}`),
      );
      return;
    }
    this.location = optionValues(response, 'Location-Path').map((v) => v.toString());
    this.stateValue = 'registered';
    this.retryDelayMs = o.retryMinMs ?? 1000;
    this.counters.registrations++;
    const location = `/${this.location.join('/')}`;
    o.log?.debug({ endpoint: this.endpointName, location }, 'registered');
    this.emit('registered', location);
    this.scheduleUpdate();
  }

  private retryRegistration(error: Error): void {
    if (this.stateValue === 'stopped') return;
    this.fail('register', error);
    const delay = this.retryDelayMs * (0.5 + Math.random());
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.retryMaxMs ?? 60_000);
    this.retryTimer = setTimeout(() => void this.register(), delay);
  }

  /** Updates at about half the lifetime, leaving room for retransmissions. */
  private scheduleUpdate(): void {
    clearTimeout(this.updateTimer);
    const delay = this.options.lifetimeSeconds * 1000 * (0.45 + Math.random() * 0.1);
    this.updateTimer = setTimeout(() => void this.update(), delay);
  }

  /** Registration update; also how a shelf finds out that the server forgot it. */
  private async update(): Promise<void> {
    const coap = this.coap;
    if (!coap || this.stateValue !== 'registered' || this.updating) return;
    this.updating = true;
    clearTimeout(this.updateTimer);
    try {
      const response = await coap.request(
        this.options.server,
        { method: 'POST', options: stringOptions('Uri-Path', this.location) },
        'registration update',
      );
      if (this.stateValue !== 'registered') return;
      if (response.code === '2.04') {
        this.scheduleUpdate();
        return;
      }
      this.unregistered(`server answered ${response.code} to update`);
    } catch (error) {
      if (this.stateValue !== 'registered') return;
      this.fail('update', error instanceof Error ? error : new Error(String(error)));
      this.unregistered('update failed');
    } finally {
      this.updating = false;
    }
  }

  private unregistered(reason: string): void {
    this.options.log?.info({ endpoint: this.endpointName, reason }, 'registering again');
    this.emit('unregistered', reason);
    void this.register();
  }

  private answer(request: ParsedPacket, remote: Remote): CoapResponse {
    const path = uriPath(request);
    const empty = Buffer.alloc(0);
    if (
      request.code === '0.03' &&
      optionValues(request, 'Uri-Query').length > 0 &&
      request.payload.length === 0
    ) {
      return { code: '2.04', options: [], payload: empty }; // Write-Attributes: accepted, not used
    }
    if (request.code !== '0.01') return { code: '4.05', options: [], payload: empty };
    const accept = optionUint(request, 'Accept');
    const result = this.objects.read(path, accept);
    const options = result.format === undefined ? [] : [uintOption('Content-Format', result.format)];
    const observe = optionUint(request, 'Observe');
    const key = request.token.toString('hex');
    if (observe === 1) this.observations.delete(key);
    if (observe === 0 && result.code === '2.05' && request.token.length > 0) {
      this.observations.set(key, { token: request.token, path, accept, remote });
      this.emit('observed', `/${path.join('/')}`);
      options.unshift(uintOption('Observe', this.nextObserveSequence()));
    }
    return { code: result.code, options, payload: result.payload };
  }

  private nextObserveSequence(): number {
    this.observeSequence = (this.observeSequence + 1) & 0xffffff;
    return this.observeSequence;
  }

  private enqueue(observation: Observation): void {
    const result = this.objects.read(observation.path, observation.accept);
    const options = [uintOption('Observe', this.nextObserveSequence())];
    if (result.format !== undefined) options.push(uintOption('Content-Format', result.format));
    this.queue.push({ observation, response: { code: result.code, options, payload: result.payload } });
    if (this.queue.length > (this.options.maxQueuedNotifications ?? 256)) {
      this.queue.shift();
      this.counters.droppedNotifications++;
    }
    if (!this.sending) void this.drain();
  }

  /** One confirmable notification at a time (RFC 7252 NSTART = 1), in order. */
  private async drain(): Promise<void> {
    this.sending = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const { observation, response } = next;
        if (this.stopped()) break;
        const key = observation.token.toString('hex');
        if (this.observations.get(key) !== observation || !this.coap) continue;
        try {
          await this.coap.notify(observation.remote, observation.token, response);
          this.counters.notifications++;
          this.emit('notified', `/${observation.path.join('/')}`);
        } catch (error) {
          // RFC 7641 §4.5: a Reset or a timeout ends the observation.
          this.observations.delete(key);
          if (error instanceof CoapResetError) {
            this.options.log?.info(
              { endpoint: this.endpointName },
              'server reset a notification; checking registration',
            );
            void this.update();
          } else {
            this.fail('notify', error instanceof Error ? error : new Error(String(error)));
          }
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** Re-reads the state after an await (TypeScript keeps the narrowed type otherwise). */
  private stopped(): boolean {
    return this.stateValue === 'stopped';
  }

  private fail(what: string, error: Error): void {
    this.counters.errors++;
    this.options.log?.warn(
      { endpoint: this.endpointName, err: error.message, during: what },
      'shelf client error',
    );
    this.emit('error', error);
  }
}
