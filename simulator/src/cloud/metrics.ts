// The emulator's own prom-client registry: several emulators can live in one
// test process without sharing counters.
import { Counter, Gauge, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'devicecloud_http_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpRejected: new Counter({
      name: 'devicecloud_http_rejected_total',
      help: 'HTTP requests refused as bad input (malformed JSON, oversized body, bad async id, bad key…).',
      labelNames: ['reason'] as const,
      registers,
    }),
    coapRejected: new Counter({
      name: 'devicecloud_coap_rejected_total',
      help: 'CoAP requests refused with an error code (invalid registration, unknown location…).',
      labelNames: ['reason'] as const,
      registers,
    }),
    registrations: new Counter({
      name: 'devicecloud_registrations_total',
      help: 'LwM2M registration events, by kind (register, update, deregister, expire).',
      labelNames: ['kind'] as const,
      registers,
    }),
    registeredDevices: new Gauge({
      name: 'devicecloud_registered_devices',
      help: 'Devices currently registered.',
      registers,
    }),
    longPollsOpen: new Gauge({
      name: 'devicecloud_long_polls_open',
      help: 'Long polls waiting for events now.',
      registers,
    }),
    events: new Counter({
      name: 'devicecloud_channel_events_total',
      help: 'Events queued on notification channels, by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    eventsDelivered: new Counter({
      name: 'devicecloud_channel_events_delivered_total',
      help: 'Events delivered, by channel type.',
      labelNames: ['channel'] as const,
      registers,
    }),
    eventsDropped: new Counter({
      name: 'devicecloud_channel_events_dropped_total',
      help: 'Events dropped, by reason (queue_full: oldest dropped from a full queue; no_channel).',
      labelNames: ['reason'] as const,
      registers,
    }),
    webhookFailures: new Counter({
      name: 'devicecloud_webhook_failures_total',
      help: 'Webhook deliveries that failed (non-2xx, timeout, connection error) and will be retried.',
      registers,
    }),
    deviceRequests: new Counter({
      name: 'devicecloud_device_requests_total',
      help: 'Requests sent to devices, by method and resulting async status.',
      labelNames: ['method', 'status'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
