// The webhook's pre-check against hostile nesting: counts only real brackets
// (not those inside strings), and refuses hostile nesting at any size.
import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from '../../src/json-depth.ts';

describe('nestsDeeperThan', () => {
  it('measures the nesting of a notification message', () => {
    const message = JSON.stringify({
      notifications: [{ ep: 'shelf-1', path: '/10341/0/26342', payload: 'MTI=', ct: 'text/plain' }],
      registrations: [{ ep: 'x', resources: [{ path: '/1' }] }],
    });
    expect(nestsDeeperThan(message, 5)).toBe(false);
    expect(nestsDeeperThan(message, 4)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(JSON.stringify({ a: '[[[[{{{{' }), 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ a: 'say \\"[[[[\\" \\\\', b: [1] }), 2)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ a: 'x"y', b: [[1]] }), 2)).toBe(true);
  });

  it('refuses an 8 MB body nested four million levels deep, and passes a wide one', () => {
    const hostile = '['.repeat(4 * 1024 * 1024) + ']'.repeat(4 * 1024 * 1024);
    expect(nestsDeeperThan(hostile, 16)).toBe(true);
    const wide = `[${'[1],'.repeat(2 * 1024 * 1024)}[1]]`;
    expect(nestsDeeperThan(wide, 16)).toBe(false);
  });
});
