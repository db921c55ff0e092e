/**
 * Reads ossimport's `job.cfg` and `sys.properties`: Java `.properties` files
 * as people actually edit them, not as `java.util.Properties` defines them.
 *
 * Like Java:
 * - one `key=value` per line; `:` or plain whitespace also separates (the
 *   key ends at the first `=`, `:`, space or tab), so keys may hold
 *   parentheses and slashes (`workerMaxThroughput(KB/s)`);
 * - lines starting with `#` or `!` (after indentation) are comments;
 * - leading whitespace of a line and around the separator is dropped;
 * - a line ending in an odd number of `\` goes on on the next line, whose
 *   indentation is dropped (never for comments);
 * - `\uXXXX` stands for one UTF-16 code unit;
 * - a later line for the same key wins.
 *
 * Unlike Java:
 * - every other backslash is kept as written. Java would read
 *   `srcPrefix=c:\example\` as `c:example` and swallow the next line;
 *   ossimport users write Windows paths that way and mean them literally.
 *   Doubled backslashes (`c:\\data`, what Java needed) also stay doubled,
 *   which Windows reads as one separator anyway.
 * - a trailing `\` is part of the value, not a continuation, when the value
 *   is a Windows path (`c:\...`, `c:/...`, `\\server\...`): `c:\example\`
 *   followed by another key must not swallow that key;
 * - trailing whitespace of a value is dropped (`isAuditAfterImport=true `
 *   is common in shipped samples), including full-width spaces;
 * - CRLF, lone CR and a UTF-8 byte-order mark are accepted (Notepad).
 */

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line where the entry starts, for messages. */
  line: number;
}

/** Indentation and separator whitespace, as Java's `Properties` has it. */
const BLANK = new Set([' ', '\t', '\f']);
const WINDOWS_PATH = /^(?:[A-Za-z]:[\\/]|\\\\)/;

/** Every entry in file order, duplicates included. */
export function parsePropertyEntries(text: string): PropertyEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = stripIndent(lines[i]!);
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (continues(logical) && i + 1 < lines.length) {
      i++;
      logical = logical.slice(0, -1) + stripIndent(lines[i]!);
    }
    // A continuation on the last line has nothing to join: Java drops the `\`.
    if (continues(logical)) logical = logical.slice(0, -1);
    const { key, value } = splitEntry(logical);
    entries.push({ key: unescapeUnicode(key), value: unescapeUnicode(value), line: start + 1 });
  }
  return entries;
}

/** Key to value; for a repeated key the last line wins. */
export function parseProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const { key, value } of parsePropertyEntries(text)) map.set(key, value);
  return map;
}

/**
 * Writes entries so that `parseProperties` reads them back exactly: every
 * character the reader would treat specially (separators and blanks in keys,
 * comment marks, edge whitespace of values, backslashes, line breaks) is
 * written as `\uXXXX`; everything else, Chinese included, stays readable.
 */
export function serializeProperties(entries: Iterable<readonly [string, string]>): string {
  let out = '';
  for (const [key, value] of entries) out += `${escapeKey(key)}=${escapeValue(value)}\n`;
  return out;
}

function stripIndent(line: string): string {
  let i = 0;
  while (i < line.length && BLANK.has(line[i]!)) i++;
  return line.slice(i);
}

/** Whether a (non-comment) logical line so far ends in a continuation `\`. */
function continues(logical: string): boolean {
  let run = 0;
  while (run < logical.length && logical[logical.length - 1 - run] === '\\') run++;
  if (run % 2 === 0) return false;
  return !WINDOWS_PATH.test(splitEntry(logical).value);
}

function splitEntry(logical: string): { key: string; value: string } {
  let end = 0;
  while (end < logical.length && !isKeyEnd(logical[end]!)) end++;
  const key = logical.slice(0, end);
  let i = end;
  while (i < logical.length && BLANK.has(logical[i]!)) i++;
  if (i < logical.length && (logical[i] === '=' || logical[i] === ':')) i++;
  while (i < logical.length && BLANK.has(logical[i]!)) i++;
  return { key, value: logical.slice(i).trimEnd() };
}

function isKeyEnd(ch: string): boolean {
  return ch === '=' || ch === ':' || BLANK.has(ch);
}

function unescapeUnicode(text: string): string {
  return text.replace(/\\u([0-9A-Fa-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function encode(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Control characters, line breaks, a byte-order mark and backslashes: never written raw. */
function alwaysEscaped(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code < 0x20 || code === 0x7f || ch === '\\' || ch === '\u2028' || ch === '\u2029' || ch === '\uFEFF';
}

function escapeKey(key: string): string {
  let out = '';
  for (const ch of key) {
    out += alwaysEscaped(ch) || /[=:#!\s]/.test(ch) ? encode(ch) : ch;
  }
  return out;
}

function escapeValue(value: string): string {
  const chars = [...value];
  // Leading blanks would be read as separator space, trailing ones trimmed.
  let first = 0;
  while (first < chars.length && /\s/.test(chars[first]!)) first++;
  let last = chars.length;
  while (last > first && /\s/.test(chars[last - 1]!)) last--;
  return chars
    .map((ch, i) => (i < first || i >= last || alwaysEscaped(ch) ? encode(ch) : ch))
    .join('');
}
