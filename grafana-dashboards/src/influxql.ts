// A small InfluxQL SELECT builder. The foundation SDK has no InfluxDB query
// type, and raw strings typed by hand drift in quoting; this keeps identifiers
// quoted and the clause order right.
export type Fill = 'null' | 'none' | 'previous' | 'linear' | number;

/** `"name"`, with embedded quotes escaped, as InfluxQL identifiers need. */
export function ident(name: string): string {
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** `'value'`, as InfluxQL string literals need. */
export function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A tag filter driven by a dashboard variable: Grafana turns `$var` into a regex alternation. */
export function tagMatchesVariable(tag: string, variable: string): string {
  return `${ident(tag)} =~ /^$${variable}$/`;
}

export function tagEquals(tag: string, value: string): string {
  return `${ident(tag)} = ${literal(value)}`;
}

export function tagIn(tag: string, values: readonly string[]): string {
  return `${ident(tag)} =~ /^(${values.map((v) => v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$/`;
}

export class Select {
  private readonly fields: string[];
  private sources: string[] = [];
  private conditions: string[] = [];
  private time: string | undefined;
  private tags: string[] = [];
  private fillMode: Fill | undefined;
  private newestFirst = false;
  private limitTo: number | undefined;

  constructor(...fields: string[]) {
    if (fields.length === 0) throw new Error('a SELECT needs at least one field expression');
    this.fields = fields;
  }

  from(measurement: string): this {
    this.sources.push(ident(measurement));
    return this;
  }

  /** A subquery as a source; several subqueries are merged by InfluxDB. */
  fromSubquery(query: Select): this {
    this.sources.push(`(${query.toString()})`);
    return this;
  }

  where(...conditions: string[]): this {
    this.conditions.push(...conditions);
    return this;
  }

  /** Grafana's `$timeFilter` macro, replaced by the panel's time range. */
  whereTimeFilter(): this {
    return this.where('$timeFilter');
  }

  groupByTime(interval: string): this {
    this.time = interval;
    return this;
  }

  groupByTags(...tags: string[]): this {
    this.tags.push(...tags);
    return this;
  }

  fill(mode: Fill): this {
    this.fillMode = mode;
    return this;
  }

  /** ORDER BY time DESC: with `limit(1)`, the latest point of each series. */
  orderByTimeDesc(): this {
    this.newestFirst = true;
    return this;
  }

  /** Points per series. */
  limit(n: number): this {
    this.limitTo = n;
    return this;
  }

  toString(): string {
    if (this.sources.length === 0) throw new Error('a SELECT needs a FROM');
    const parts = [`SELECT ${this.fields.join(', ')}`, `FROM ${this.sources.join(', ')}`];
    if (this.conditions.length > 0) parts.push(`WHERE ${this.conditions.join(' AND ')}`);
    const groups = [...(this.time ? [`time(${this.time})`] : []), ...this.tags.map(ident)];
    if (groups.length > 0) parts.push(`GROUP BY ${groups.join(', ')}`);
    if (this.fillMode !== undefined) parts.push(`fill(${this.fillMode})`);
    if (this.newestFirst) parts.push('ORDER BY time DESC');
    if (this.limitTo !== undefined) parts.push(`LIMIT ${this.limitTo}`);
    return parts.join(' ');
  }
}

export function select(...fields: string[]): Select {
  return new Select(...fields);
}
