import { describe, expect, it } from 'vitest';
import { ident, literal, select, tagIn } from '../../src/influxql.ts';

describe('InfluxQL builder', () => {
  it('quotes identifiers and literals so names with quotes stay one token', () => {
    expect(ident('a"b')).toBe('"a\\"b"');
    expect(literal("it's")).toBe("'it\\'s'");
  });

  it('builds clauses in InfluxQL order', () => {
    const q = select('sum("items")')
      .from('shelf_event')
      .where('"a" = 1', '$timeFilter')
      .groupByTime('1m')
      .groupByTags('x')
      .fill(0);
    expect(q.toString()).toBe(
      'SELECT sum("items") FROM "shelf_event" WHERE "a" = 1 AND $timeFilter GROUP BY time(1m), "x" fill(0)',
    );
  });

  it('escapes regex specials in tag value lists', () => {
    expect(tagIn('kind', ['a.b', 'c|d'])).toBe('"kind" =~ /^(a\\.b|c\\|d)$/');
  });

  it('refuses a query without fields or source', () => {
    expect(() => select()).toThrow(/at least one field/);
    expect(() => select('x').toString()).toThrow(/needs a FROM/);
  });
});
