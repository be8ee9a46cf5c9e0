// A minimal LwM2M 1.0 client for the emulator's tests, written on the `coap`
// package independently of the shelf simulator: it registers, updates,
// de-registers, and serves READ, WRITE, EXECUTE and OBSERVE of its resources.
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage, type OutgoingMessage, type Server } from 'coap';

export interface TestDeviceOptions {
  endpoint: string;
  server: { host: string; port: number };
  endpointType?: string;
  lifetime?: number;
  /** Registration payload; defaults to object 10341 with observable product id and count. */
  links?: string;
  values?: Record<string, string>;
  /** Never answer the server's requests (a device that went quiet). */
  silent?: boolean;
}

export const shelfLinks = '</1/0>,</3/0>,</10341/0>,</10341/0/26341>;obs,</10341/0/26342>;obs;rt="count"';

export class TestDevice {
  readonly values = new Map<string, string>();
  readonly executed: { path: string; payload: string }[] = [];
  /** GET requests (reads and observations) the server sent, per path. */
  readonly gets = new Map<string, number>();
  /** A silent device's requests: node-coap acknowledges each 50 ms after it came, from a timer. */
  private readonly unanswered = new Set<OutgoingMessage>();
  /** Open observations per path, by CoAP token. */
  private readonly observers = new Map<string, Map<string, OutgoingMessage>>();
  private readonly socket: Socket;
  private readonly server: Server;
  private readonly agent: Agent;
  private readonly options: TestDeviceOptions;
  location: string | undefined;

  private constructor(socket: Socket, options: TestDeviceOptions) {
    this.socket = socket;
    this.options = options;
    for (const [path, value] of Object.entries(
      options.values ?? { '/10341/0/26341': 'p-1', '/10341/0/26342': '12' },
    )) {
      this.values.set(path, value);
    }
    this.server = createServer({ type: 'udp4' }, (req, res) => this.serve(req, res));
    this.server.listen(socket);
    this.agent = new Agent({ socket });
  }

  static async start(options: TestDeviceOptions): Promise<TestDevice> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new TestDevice(socket, options);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Observers currently registered by the server, per path. */
  observerCount(path: string): number {
    return this.observers.get(path)?.size ?? 0;
  }

  private serve(req: IncomingMessage, res: OutgoingMessage): void {
    if (this.options.silent) {
      this.unanswered.add(res);
      return;
    }
    const path = req.url.split('?')[0]!;
    if (req.method === 'GET') {
      this.gets.set(path, (this.gets.get(path) ?? 0) + 1);
      const value = this.values.get(path);
      if (value === undefined) {
        res.code = '4.04';
        // An observe request is answered through node-coap's ObserveWriteStream, which reads statusCode.
        (res as { statusCode?: string }).statusCode = '4.04';
        res.end();
        return;
      }
      res.setOption('Content-Format', 'text/plain');
      const token = req._packet.token?.toString('hex') ?? '';
      let open = this.observers.get(path);
      if (!open) this.observers.set(path, (open = new Map()));
      if (req.headers['Observe'] === 0) {
        open.set(token, res);
        res.on('finish', () => open.delete(token));
        res.write(value);
        return;
      }
      if (req.headers['Observe'] === 1) {
        // Cancel Observation (LwM2M 1.0): a GET with Observe=1 and the same token.
        open.get(token)?.end();
        open.delete(token);
      }
      res.end(value);
      return;
    }
    if (req.method === 'PUT') {
      this.set(path, req.payload.toString('utf8'));
      res.code = '2.04';
      res.end();
      return;
    }
    if (req.method === 'POST') {
      this.executed.push({ path, payload: req.payload.toString('utf8') });
      res.code = '2.04';
      res.end();
      return;
    }
    res.code = '4.05';
    res.end();
  }

  /** Changes a value and notifies its observers, as a sensor reading would. */
  set(path: string, value: string): void {
    this.values.set(path, value);
    for (const res of this.observers.get(path)?.values() ?? []) res.write(value);
  }

  /** Any request from the device's socket, for tests that send what a correct client would not. */
  send(params: Parameters<typeof request>[0] & object, payload?: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ ...params, agent: this.agent, ...this.options.server });
      req.on('response', resolve);
      req.on('error', reject);
      req.on('timeout', reject);
      req.end(payload);
    });
  }

  async register(query?: string): Promise<IncomingMessage> {
    const q =
      query ??
      `ep=${this.options.endpoint}&lt=${this.options.lifetime ?? 300}&lwm2m=1.0&b=U` +
        (this.options.endpointType ? `&et=${this.options.endpointType}` : '');
    const res = await this.send(
      { method: 'POST', pathname: '/rd', query: q, options: { 'Content-Format': 'application/link-format' } },
      this.options.links ?? shelfLinks,
    );
    if (res.code === '2.01') {
      // Location-Path repeats (rd, id); node-coap's headers keep only the last one.
      this.location = (res._packet.options ?? [])
        .filter((o) => o.name === 'Location-Path')
        .map((o) => String(o.value))
        .join('/');
      // A full registration starts afresh: the server must observe again.
      for (const open of this.observers.values()) open.clear();
    }
    return res;
  }

  async update(query = ''): Promise<IncomingMessage> {
    return this.send({ method: 'POST', pathname: `/${this.location}`, query });
  }

  async deregister(): Promise<IncomingMessage> {
    return this.send({ method: 'DELETE', pathname: `/${this.location}` });
  }

  async close(): Promise<void> {
    // Nothing new is taken, and no acknowledgement timer is left to send on the
    // closed socket (it would throw from the timer): what was never answered is reset.
    this.socket.removeAllListeners('message');
    for (const res of this.unanswered) res.reset();
    this.unanswered.clear();
    this.agent.close(); // never calls back with a socket it does not own
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
