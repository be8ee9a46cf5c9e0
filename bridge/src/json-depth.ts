// A linear pre-check before JSON.parse: how deeply a text nests arrays and
// objects. A notification message nests four levels; a hostile body nested a
// million levels deep would make JSON.parse and the schema check after it
// recurse and block the event loop for seconds, so it is refused unparsed.

/** True when `text` opens more than `maxDepth` arrays/objects inside each other (strings skipped). */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
