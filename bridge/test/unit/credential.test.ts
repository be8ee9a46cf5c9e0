// Credentials from files, rotated the way the kubelet updates a mounted Secret
// (support/secret-volume.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Credential, CredentialError } from '../../src/credential.ts';
import { secretVolume } from '../support/secret-volume.ts';

afterEach(() => vi.useRealTimers());

describe('a credential file', () => {
  it('reads the value without the trailing line end, and a rotated value once the last read is maxAgeMs old', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const volume = secretVolume({ 'api-key': 'key-1\n' });
    const key = Credential.fromFile(volume.path('api-key'), { name: 'cloud.apiKeyFile', maxAgeMs: 1000 });
    expect(key.current()).toBe('key-1');
    volume.update({ 'api-key': 'key-2' });
    // Read less than maxAgeMs ago: the value read then.
    vi.advanceTimersByTime(500);
    expect(key.current()).toBe('key-1');
    vi.advanceTimersByTime(500);
    expect(key.current()).toBe('key-2');
  });

  it('reads again at once when asked after a refusal, and says whether the value changed', () => {
    const volume = secretVolume({ password: 'old' });
    const password = Credential.fromFile(volume.path('password'), { name: 'p', maxAgeMs: 3_600_000 });
    expect(password.refresh()).toBe(false);
    volume.update({ password: 'new' });
    expect(password.current()).toBe('old');
    expect(password.refresh()).toBe(true);
    expect(password.current()).toBe('new');
  });

  it('keeps the last good value when the file is gone, empty or fails its check, and uses the next good one', () => {
    const volume = secretVolume({ secret: 'a-good-secret-of-16+' });
    const check = (v: string): string | undefined => (v.length < 16 ? 'too short' : undefined);
    const secret = Credential.fromFile(volume.path('secret'), { name: 's', check, maxAgeMs: 3_600_000 });
    volume.update({ secret: 'short' });
    expect(secret.refresh()).toBe(false);
    volume.update({ secret: '' });
    expect(secret.refresh()).toBe(false);
    volume.update({});
    expect(secret.refresh()).toBe(false);
    expect(secret.current()).toBe('a-good-secret-of-16+');
    volume.update({ secret: 'the-next-good-secret' });
    expect(secret.refresh()).toBe(true);
    expect(secret.current()).toBe('the-next-good-secret');
  });

  it('refuses to start from a missing, empty or unusable file, naming the field', () => {
    const volume = secretVolume({ empty: '', short: 'x' });
    expect(() => Credential.fromFile(volume.path('missing'), { name: 'cloud.apiKeyFile' })).toThrow(
      /cloud\.apiKeyFile: cannot read .*missing: ENOENT/,
    );
    expect(() => Credential.fromFile(volume.path('empty'), { name: 'x' })).toThrow(/empty/);
    expect(() =>
      Credential.fromFile(volume.path('short'), { name: 'webhook.secretFile', check: () => 'too short' }),
    ).toThrow(CredentialError);
  });

  it('accepts the previous value for graceMs after a change, then only the new one', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const volume = secretVolume({ secret: 'first-secret-0123456' });
    const secret = Credential.fromFile(volume.path('secret'), { name: 's', graceMs: 60_000, maxAgeMs: 1000 });
    expect(secret.matches('second-secret-012345')).toBe(false);
    volume.update({ secret: 'second-secret-012345' });
    vi.advanceTimersByTime(1000);
    expect(secret.matches('second-secret-012345')).toBe(true);
    expect(secret.matches('first-secret-0123456')).toBe(true);
    expect(secret.matches('never-the-secret-xyz')).toBe(false);
    expect(secret.matches(undefined)).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(secret.matches('first-secret-0123456')).toBe(false);
    expect(secret.matches('second-secret-012345')).toBe(true);
  });

  it('tells listeners of a new value without anyone asking for it', async () => {
    const volume = secretVolume({ secret: 'first-secret-0123456' });
    const secret = Credential.fromFile(volume.path('secret'), { name: 's', maxAgeMs: 20 });
    const seen: string[] = [];
    secret.onChange((value) => seen.push(value));
    volume.update({ secret: 'second-secret-012345' });
    await vi.waitFor(() => expect(seen).toEqual(['second-secret-012345']), { timeout: 2000 });
    secret.close();
  });

  it('a fixed value (the environment) never changes and never reads a file', () => {
    const key = Credential.fixed('from-env');
    expect(key.refresh()).toBe(false);
    expect(key.current()).toBe('from-env');
    expect(key.matches('from-env')).toBe(true);
  });
});
