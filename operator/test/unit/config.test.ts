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
      SHELFPULSE_RENEW_DEADLINE_MS: '2000',
      SHELFPULSE_RETRY_PERIOD_MS: '500',
      SHELFPULSE_DEVICE_CLOUD_URL: 'https://api.example.test',
      SHELFPULSE_DEVICE_CLOUD_ALLOWED_URLS: 'https://api.example.test/, https://eu.example.test/v3',
    });
    expect(config).toMatchObject({
      watchNamespace: 'shop',
      leaderElection: false,
      leaseDurationMs: 3000,
      deviceCloudUrl: 'https://api.example.test',
      deviceCloudAllowedUrls: ['https://api.example.test/', 'https://eu.example.test/v3'],
    });
  });

  it('refuses leader-election timings that would allow two leaders', () => {
    // A leader that may go on for 10 s without renewing must not hold a lease of 3 s.
    expect(() => configFromEnv({ SHELFPULSE_LEASE_DURATION_MS: '3000' })).toThrow(
      /SHELFPULSE_RENEW_DEADLINE_MS: renewDeadlineMs must be less than leaseDurationMs/,
    );
    expect(() =>
      configFromEnv({ SHELFPULSE_RENEW_DEADLINE_MS: '2000', SHELFPULSE_RETRY_PERIOD_MS: '2000' }),
    ).toThrow(/SHELFPULSE_RENEW_DEADLINE_MS: retryPeriodMs/);
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
