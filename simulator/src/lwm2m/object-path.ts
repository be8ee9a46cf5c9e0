// LwM2M object paths: /object[/instance[/resource[/resource-instance]]], each a
// 16-bit number. The Connect API takes them with or without a leading slash.
export interface ObjectPath {
  objectId: number;
  instanceId?: number | undefined;
  resourceId?: number | undefined;
  resourceInstanceId?: number | undefined;
}

const pattern = /^\/?(\d{1,5})(?:\/(\d{1,5}))?(?:\/(\d{1,5}))?(?:\/(\d{1,5}))?\/?$/;

function part(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return n <= 65_535 ? n : Number.NaN;
}

/** Parses an LwM2M path, or returns undefined when it is not one. */
export function parseObjectPath(text: string): ObjectPath | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const ids = [part(m[1]), part(m[2]), part(m[3]), part(m[4])];
  if (ids.some((n) => Number.isNaN(n))) return undefined;
  return { objectId: ids[0]!, instanceId: ids[1], resourceId: ids[2], resourceInstanceId: ids[3] };
}

/** The canonical form: leading slash, no trailing slash. */
export function normalizePath(text: string): string {
  const trimmed = text.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** True when `path` equals `ancestor` or lies below it. */
export function isUnder(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
