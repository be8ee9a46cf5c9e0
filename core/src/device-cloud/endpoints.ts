// Which device-cloud endpoints a fleet may name. URLs are compared parsed, so
// `https://api.example.com.evil.test` never passes for `https://api.example.com`.

/** Same scheme, host, port and path (a trailing slash aside). */
export function sameEndpoint(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  return x.origin === y.origin && trimSlash(x.pathname) === trimSlash(y.pathname);
}

/**
 * `url` is under one of the `allowed` URL prefixes: same origin, and a path at
 * or below the prefix's path. An empty list allows every endpoint.
 */
export function endpointAllowed(url: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const u = new URL(url);
  return allowed.some((prefix) => {
    const p = new URL(prefix);
    return u.origin === p.origin && `${trimSlash(u.pathname)}/`.startsWith(`${trimSlash(p.pathname)}/`);
  });
}

const trimSlash = (path: string): string => path.replace(/\/+$/, '');
