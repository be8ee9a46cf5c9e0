// Runs the device-cloud emulator in a process of its own, so a test can kill it
// (SIGKILL: a crash, nothing said to the devices) and start another one on the
// same CoAP port. Prints one JSON line with its addresses when it listens.
// Usage: node device-cloud-process.ts <api key> <coap port>
import { pino } from 'pino';
import { startDeviceCloud } from '../../../src/cloud/device-cloud.ts';

const [apiKey = '', port = '0'] = process.argv.slice(2);
const cloud = await startDeviceCloud(
  { apiKeys: [apiKey], longPoll: { timeoutMs: 500 }, coap: { port: Number(port) } },
  { logger: pino({ level: 'silent' }) },
);
process.stdout.write(`${JSON.stringify({ url: cloud.url, coap: cloud.coap })}\n`);
