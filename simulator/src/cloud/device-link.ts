// Requests from the LwM2M server to a device: READ (GET), WRITE (PUT),
// EXECUTE (POST), DELETE and OBSERVE. They leave from the server's own UDP
// socket, as LwM2M requires, so a client behind NAT can be reached.
import { type Agent, type IncomingMessage, type ObserveReadStream, request } from 'coap';
import { contentFormatName, contentFormatNumber } from '../lwm2m/content-format.ts';
import type { Device } from './device-registry.ts';

export interface DeviceResponse {
  /** CoAP response code, e.g. "2.05". */
  code: string;
  payload: Buffer;
  /** MIME name of the payload's content format. */
  contentType: string;
  maxAge: number | undefined;
}

export interface DeviceRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  accept?: string | undefined;
  contentType?: string | undefined;
  payload?: Buffer | undefined;
}

/** Why an observation ended: the device's CoAP code when it answered with an error. */
export interface ObserveEnd {
  reason: string;
  code?: string | undefined;
}

export class DeviceTimeoutError extends Error {
  override name = 'DeviceTimeoutError';
}

function toResponse(res: IncomingMessage, payload: Buffer): DeviceResponse {
  const maxAge = res.headers['Max-Age'];
  return {
    code: res.code,
    payload,
    contentType: contentFormatName(res.headers['Content-Format']),
    maxAge: typeof maxAge === 'number' ? maxAge : undefined,
  };
}

export class DeviceLink {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(agent: Agent, timeoutMs: number) {
    this.agent = agent;
    this.timeoutMs = timeoutMs;
  }

  send(device: Device, req: DeviceRequest): Promise<DeviceResponse> {
    return new Promise((resolve, reject) => {
      const options: Record<string, number> = {};
      const accept = req.accept ? contentFormatNumber(req.accept) : undefined;
      if (accept !== undefined) options['Accept'] = accept;
      const format = req.contentType ? contentFormatNumber(req.contentType) : undefined;
      if (format !== undefined) options['Content-Format'] = format;
      else if (req.payload && req.payload.length > 0) options['Content-Format'] = 0;
      const outgoing = request({
        host: device.address.host,
        port: device.address.port,
        method: req.method,
        pathname: req.path,
        agent: this.agent,
        confirmable: true,
        options,
      });
      const timer = setTimeout(() => {
        this.agent.abort(outgoing);
        reject(
          new DeviceTimeoutError(`device did not answer ${req.method} ${req.path} in ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      outgoing.on('response', (res: IncomingMessage) => {
        clearTimeout(timer);
        resolve(toResponse(res, res.payload));
      });
      outgoing.on('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
      outgoing.on('timeout', (err: Error) => {
        clearTimeout(timer);
        reject(new DeviceTimeoutError(err.message));
      });
      outgoing.end(req.payload ?? Buffer.alloc(0));
    });
  }

  /**
   * Starts observing a resource. `onValue` gets the first response and every
   * notification; `onEnd` is called once when the device refuses or the
   * observation ends. The returned function cancels the observation; with
   * `tellDevice` it also asks the device to stop (not worth it after a
   * re-registration, when the device has forgotten the observation anyway).
   */
  observe(
    device: Device,
    path: string,
    onValue: (value: DeviceResponse) => void,
    onEnd: (end: ObserveEnd) => void,
  ): (tellDevice: boolean) => void {
    let stream: ObserveReadStream | undefined;
    let cancelled = false;
    const end = (reason: string, code?: string): void => {
      if (cancelled) return;
      cancelled = true;
      stream?.close(false);
      onEnd({ reason, code });
    };
    const outgoing = request({
      host: device.address.host,
      port: device.address.port,
      method: 'GET',
      pathname: path,
      observe: true,
      agent: this.agent,
      confirmable: true,
    });
    const timer = setTimeout(() => {
      if (stream || cancelled) return;
      this.agent.abort(outgoing);
      end('timeout');
    }, this.timeoutMs).unref();
    outgoing.on('response', (res: ObserveReadStream) => {
      clearTimeout(timer);
      if (cancelled) {
        res.close();
        return;
      }
      if (!res.code.startsWith('2.')) {
        end(`device answered ${res.code}`, res.code);
        return;
      }
      stream = res;
      // The stream yields the first response's payload (the current value), then each notification.
      res.on('data', (chunk: Buffer) => {
        if (cancelled) return;
        // A notification with an error code ends the observation (RFC 7641, section 3.2).
        if (res.code.startsWith('2.')) onValue(toResponse(res, chunk));
        else end(`device answered ${res.code}`, res.code);
      });
      res.on('error', () => end('error'));
    });
    outgoing.on('error', (err: Error) => {
      clearTimeout(timer);
      end(err.message);
    });
    outgoing.on('timeout', () => {
      clearTimeout(timer);
      end('timeout');
    });
    outgoing.end();
    return (tellDevice) => {
      if (cancelled) return;
      cancelled = true;
      clearTimeout(timer);
      if (stream) stream.close(tellDevice);
      else this.agent.abort(outgoing);
    };
  }
}
