// The NotificationMessage the service sends on every channel, and the events
// that make it up. One batch groups queued events by kind, keeping their order.
export interface NotificationEntry {
  ep: string;
  path: string;
  /** Base64 of the value as the device sent it. */
  payload: string;
  ct: string;
  'max-age'?: number;
}

export interface EndpointData {
  ep: string;
  'original-ep': string;
  ept: string;
  q: boolean;
  resources: { path: string; rt?: string; ct?: string; obs?: boolean; if?: string }[];
}

export interface AsyncResponse {
  id: string;
  status: number;
  error?: string;
  payload?: string;
  ct?: string;
  'max-age'?: number;
}

export type ChannelEvent =
  | { kind: 'notifications'; entry: NotificationEntry }
  | { kind: 'registrations' | 'reg-updates'; entry: EndpointData }
  | { kind: 'de-registrations' | 'registrations-expired'; entry: string }
  | { kind: 'async-responses'; entry: AsyncResponse };

export interface NotificationMessage {
  notifications?: NotificationEntry[];
  registrations?: EndpointData[];
  'reg-updates'?: EndpointData[];
  'de-registrations'?: string[];
  'registrations-expired'?: string[];
  'async-responses'?: AsyncResponse[];
}

export function toMessage(events: readonly ChannelEvent[]): NotificationMessage {
  const message: Record<string, unknown[]> = {};
  for (const event of events) (message[event.kind] ??= []).push(event.entry);
  return message as NotificationMessage;
}
