// The operator's configuration from the environment: defaults, and one clear
// error naming the variable for a bad value.
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.ts';

describe('configFromEnv', () => {
  it('has defaults for everything but credentials', () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({
      namespace: 'shelfpulse',
      leaderElection: true,
      listenHost: '127.0.0.1',
      workers: 4,
    });
    expect(config.deviceCloudApiKey).toBeUndefined();
    expect(config.watchNamespace).toBeUndefined();
  });

  it('reads SHELFPULSE_* variables', () => {
    const config = configFromEnv({
      SHELFPULSE_WATCH_NAMESPACE: 'shop',
      SHELFPULSE_LEADER_ELECTION: 'false',
      SHELFPULSE_LEASE_DURATION_MS: '3000',
      SHELFPULSE_DEVICE_CLOUD_URL: 'https://api.example.test',
    });
    expect(config).toMatchObject({
      watchNamespace: 'shop',
      leaderElection: false,
      leaseDurationMs: 3000,
      deviceCloudUrl: 'https://api.example.test',
    });
  });

  it('names the variable of a bad value', () => {
    expect(() => configFromEnv({ SHELFPULSE_WORKERS: 'many' })).toThrow(
      /^invalid configuration: SHELFPULSE_WORKERS: /,
    );
    expect(() => configFromEnv({ SHELFPULSE_DEVICE_CLOUD_URL: 'not a url' })).toThrow(
      /SHELFPULSE_DEVICE_CLOUD_URL/,
    );
  });
});
