// Which device-cloud endpoints a fleet may name: compared as parsed URLs, so a
// look-alike host or a sibling path never passes for an allowed prefix.
import { describe, expect, it } from 'vitest';
import { endpointAllowed, sameEndpoint } from '../../src/device-cloud/endpoints.ts';

describe('device-cloud endpoints', () => {
  it("recognises the operator's own endpoint, a trailing slash aside", () => {
    expect(sameEndpoint('https://api.example.test', 'https://api.example.test/')).toBe(true);
    expect(sameEndpoint('https://api.example.test/v3/', 'https://api.example.test/v3')).toBe(true);
    expect(sameEndpoint('https://api.example.test', 'http://api.example.test')).toBe(false);
    expect(sameEndpoint('https://api.example.test', 'https://api.example.test:8443')).toBe(false);
    expect(sameEndpoint('https://api.example.test', 'https://api.example.test.evil.test')).toBe(false);
  });

  it('allows URLs at or below an allowed prefix only', () => {
    const allowed = ['https://api.example.test', 'https://eu.example.test/tenant-a/'];
    expect(endpointAllowed('https://api.example.test/anything', allowed)).toBe(true);
    expect(endpointAllowed('https://eu.example.test/tenant-a', allowed)).toBe(true);
    expect(endpointAllowed('https://eu.example.test/tenant-a/v3', allowed)).toBe(true);
    expect(endpointAllowed('https://eu.example.test/tenant-ab', allowed)).toBe(false);
    expect(endpointAllowed('https://eu.example.test/', allowed)).toBe(false);
    expect(endpointAllowed('https://api.example.test.evil.test', allowed)).toBe(false);
    expect(endpointAllowed('https://user@api.example.test.evil.test/', allowed)).toBe(false);
    expect(endpointAllowed('http://api.example.test', allowed)).toBe(false);
  });

  it('allows any endpoint when the administrator lists none', () => {
    expect(endpointAllowed('https://anywhere.test', [])).toBe(true);
  });
});
