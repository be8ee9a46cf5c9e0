// CoRE Link Format (RFC 6690) as used in LwM2M registration payloads:
// `</1/0>,</3/0>,</10341/0/26342>;obs;rt="count"`. Parsing is strict enough to
// reject garbage with a message, lenient about attribute spelling.
export type LinkAttributeValue = string | true;

export interface Link {
  /** The target path without angle brackets, always starting with "/". */
  path: string;
  attributes: Record<string, LinkAttributeValue>;
}

export class LinkFormatError extends Error {
  override name = 'LinkFormatError';
}

const maxLinks = 10_000;

/** Splits on a separator outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new LinkFormatError('unterminated quoted string');
  parts.push(current);
  return parts;
}

export function parseLinkFormat(text: string): Link[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const entries = splitOutsideQuotes(trimmed, ',');
  if (entries.length > maxLinks) throw new LinkFormatError(`more than ${maxLinks} links`);
  return entries.map((entry, index) => {
    const [target, ...params] = splitOutsideQuotes(entry.trim(), ';');
    const match = /^<([^<>\s]*)>$/.exec(target?.trim() ?? '');
    if (!match)
      throw new LinkFormatError(`link ${index + 1}: expected </path>, got ${JSON.stringify(entry)}`);
    const raw = match[1]!;
    const path = raw.startsWith('/') ? raw : `/${raw}`;
    const attributes: Record<string, LinkAttributeValue> = {};
    for (const param of params) {
      const p = param.trim();
      if (p === '') continue;
      const eq = p.indexOf('=');
      const name = (eq < 0 ? p : p.slice(0, eq)).trim();
      if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(name)) {
        throw new LinkFormatError(`link ${index + 1}: bad attribute name ${JSON.stringify(name)}`);
      }
      if (eq < 0) attributes[name] = true;
      else {
        const value = p.slice(eq + 1).trim();
        attributes[name] = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
      }
    }
    return { path, attributes };
  });
}

export function formatLinkFormat(links: readonly Link[]): string {
  return links
    .map((link) => {
      const attrs = Object.entries(link.attributes).map(([name, value]) =>
        value === true ? `;${name}` : /^[0-9]+$/.test(value) ? `;${name}=${value}` : `;${name}="${value}"`,
      );
      return `<${link.path}>${attrs.join('')}`;
    })
    .join(',');
}
