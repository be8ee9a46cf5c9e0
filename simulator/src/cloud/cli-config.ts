// Command line and environment of the `device-cloud` entry point. API keys come
// from the environment (a Kubernetes Secret) or the config file, never a default.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, parseDeviceCloudConfig, type DeviceCloudConfig } from './config.ts';

export const usage = `Usage: device-cloud [options]

Local emulator of the Izuma/Pelion Device Management Connect API (HTTP) with an
LwM2M 1.0/1.1 server (CoAP/UDP) for devices.

Options:
  --config FILE       JSON file with the configuration (see simulator/README.md)
  --http-host HOST    Connect API address (default 127.0.0.1)
  --http-port PORT    Connect API port (default 0: a free port, printed in the log)
  --coap-host HOST    LwM2M server address (default 127.0.0.1)
  --coap-port PORT    LwM2M server port (default 0; 5683 is the usual CoAP port)
  --log-level LEVEL   fatal, error, warn, info, debug, trace or silent (default info)
  -h, --help          Print this text and exit
  --version           Print the name and version and exit

Environment (flags win over these, these over the config file):
  DEVICE_CLOUD_API_KEYS   Comma-separated API keys accepted as "Authorization: Bearer <key>"
                          (added to the keys of the config file; at least one is required)
  DEVICE_CLOUD_CONFIG     Configuration file, when --config is not given
  DEVICE_CLOUD_HTTP_HOST, DEVICE_CLOUD_HTTP_PORT, DEVICE_CLOUD_COAP_HOST,
  DEVICE_CLOUD_COAP_PORT, DEVICE_CLOUD_LOG_LEVEL
                          The same as the flags

Endpoints: /v3/devices, /v2/endpoints, /v2/subscriptions, /v2/device-requests,
/v2/notification/{callback,pull,channel}, /metrics, /healthz.`;

function port(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text))
    throw new ConfigError(`${flag} must be a port number, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function loadCliConfig(argv: string[], env: NodeJS.ProcessEnv): { config: DeviceCloudConfig } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'http-host': { type: 'string' },
        'http-port': { type: 'string' },
        'coap-host': { type: 'string' },
        'coap-port': { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (see --help)`);
  }
  const v = parsed.values;
  const setting = (flag: keyof typeof v & string, variable: string): string | undefined => {
    const value = v[flag];
    return typeof value === 'string' ? value : env[variable] || undefined;
  };

  let file: Record<string, unknown> = {};
  const path = v.config ?? env['DEVICE_CLOUD_CONFIG'];
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
    }
    try {
      file = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) {
      throw new ConfigError(`config file ${path} must hold a JSON object`);
    }
  }
  const envKeys = (env['DEVICE_CLOUD_API_KEYS'] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const fileKeys = Array.isArray(file['apiKeys']) ? (file['apiKeys'] as unknown[]) : [];
  if (fileKeys.length + envKeys.length === 0) {
    throw new ConfigError(
      'no API key: set DEVICE_CLOUD_API_KEYS or apiKeys in the config file (there is no default key)',
    );
  }
  const section = (name: string): Record<string, unknown> => {
    const value = file[name];
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  };
  const drop = <T extends Record<string, unknown>>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
  return {
    config: parseDeviceCloudConfig({
      ...file,
      apiKeys: [...fileKeys, ...envKeys],
      http: {
        ...section('http'),
        ...drop({
          host: setting('http-host', 'DEVICE_CLOUD_HTTP_HOST'),
          port: port(setting('http-port', 'DEVICE_CLOUD_HTTP_PORT'), 'http port'),
        }),
      },
      coap: {
        ...section('coap'),
        ...drop({
          host: setting('coap-host', 'DEVICE_CLOUD_COAP_HOST'),
          port: port(setting('coap-port', 'DEVICE_CLOUD_COAP_PORT'), 'CoAP port'),
        }),
      },
      ...drop({ logLevel: setting('log-level', 'DEVICE_CLOUD_LOG_LEVEL') }),
    }),
  };
}
