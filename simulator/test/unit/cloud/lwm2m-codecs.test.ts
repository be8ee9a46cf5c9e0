// The LwM2M codecs the emulator and the shelf simulator share: link format,
// object paths, content formats and registration queries (TLV is core's:
// core/test/unit/lwm2m/tlv.test.ts).
import { describe, expect, it } from 'vitest';
import { contentFormatName, contentFormatNumber } from '../../../src/lwm2m/content-format.ts';
import { LinkFormatError, formatLinkFormat, parseLinkFormat } from '../../../src/lwm2m/link-format.ts';
import { normalizePath, parseObjectPath } from '../../../src/lwm2m/object-path.ts';
import {
  RegisterQuerySchema,
  UpdateQuerySchema,
  describeQueryError,
  queryRecord,
} from '../../../src/lwm2m/registration-query.ts';

describe('link format', () => {
  it('parses objects, instances and resources with attributes', () => {
    expect(parseLinkFormat('</1/0>,</3/0>, </10341/0/26342>;obs;rt="item, count";ct=0')).toEqual([
      { path: '/1/0', attributes: {} },
      { path: '/3/0', attributes: {} },
      { path: '/10341/0/26342', attributes: { obs: true, rt: 'item, count', ct: '0' } },
    ]);
    expect(parseLinkFormat('  ')).toEqual([]);
  });

  it('round-trips through formatLinkFormat', () => {
    const text = '</10341/0>,</10341/0/26342>;obs;rt="count";ct=0';
    expect(formatLinkFormat(parseLinkFormat(text))).toBe(text);
  });

  it('rejects garbage with a message', () => {
    expect(() => parseLinkFormat('/1/0')).toThrow(LinkFormatError);
    expect(() => parseLinkFormat('</1/0>;rt="open')).toThrow(/unterminated/);
    expect(() => parseLinkFormat('</1/0>;=x')).toThrow(/attribute name/);
  });
});

describe('object paths and content formats', () => {
  it('parses LwM2M paths and refuses others', () => {
    expect(parseObjectPath('/10341/0/26342')).toEqual({
      objectId: 10341,
      instanceId: 0,
      resourceId: 26342,
      resourceInstanceId: undefined,
    });
    expect(parseObjectPath('3/0')).toMatchObject({ objectId: 3, instanceId: 0 });
    for (const bad of ['', '/', '/a/b', '/1/2/3/4/5', '/70000', '../1'])
      expect(parseObjectPath(bad)).toBeUndefined();
    expect(normalizePath('10341/0/')).toBe('/10341/0');
  });

  it('maps content formats both ways', () => {
    expect(contentFormatName(11542)).toBe('application/vnd.oma.lwm2m+tlv');
    expect(contentFormatName(undefined)).toBe('text/plain');
    expect(contentFormatName(Buffer.from([0x28]))).toBe('application/link-format');
    expect(contentFormatNumber('text/plain; charset=utf-8')).toBe(0);
    expect(contentFormatNumber('image/png')).toBeUndefined();
  });
});

describe('registration query', () => {
  it('applies LwM2M defaults and coerces the lifetime', () => {
    expect(RegisterQuerySchema.parse(queryRecord('ep=shelf-1&lt=60&et=smart-shelf'))).toEqual({
      ep: 'shelf-1',
      lt: 60,
      lwm2m: '1.0',
      b: 'U',
      et: 'smart-shelf',
    });
    expect(UpdateQuerySchema.parse(queryRecord(''))).toEqual({});
  });

  it('names the offending parameter', () => {
    const result = RegisterQuerySchema.safeParse(queryRecord('ep=x&lt=1.5'));
    expect(result.success).toBe(false);
    expect(describeQueryError(result.error!)).toMatch(/^lt must be a whole number/);
    expect(() => queryRecord('ep=a&ep=b')).toThrow(/repeated/);
  });
});
