import { open } from 'node:fs/promises';
import { FerryError, MAX_KEY_BYTES, compareKeys } from '../../core/index.js';
import { encodePath, withScheme } from './url-path.js';

/**
 * One object of an HTTP list. `url` is built on demand from `base`, which is
 * shared by every line with the same URL prefix: a list of millions of lines
 * then costs about 100 bytes a line (the key plus this object) instead of
 * holding every URL as its own string.
 */
export interface ListEntry {
  /** Destination key, byte-exact as the list gives it (before any store prefix is stripped). */
  key: string;
  /** URL prefix for two-column lines; the whole URL when `whole`. */
  base: string;
  whole: boolean;
}

export function entryUrl(entry: ListEntry): string {
  return entry.whole ? entry.base : entry.base + encodePath(entry.key);
}

/**
 * Reads an ossimport `http` list file: per line a URL prefix and a relative
 * path separated by whitespace (the path is the key and may itself contain
 * spaces: everything after the first whitespace run is the path), or a single
 * full URL whose percent-decoded path is the key. Blank lines and lines
 * starting with `#` are skipped; CRLF and a UTF-8 BOM are accepted.
 *
 * Returns the entries sorted in byte-wise key order. When two lines give the
 * same key the later line wins, as it would have with ossimport's uploads.
 */
export async function readListFile(path: string): Promise<ListEntry[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new FerryError('USAGE', `cannot read list file ${path}: ${(err as Error).message}`, { fatal: true, field: 'list', cause: err });
  }
  const entries: ListEntry[] = [];
  const bases = new Map<string, string>();
  let lineNo = 0;
  try {
    for await (const line of handle.readLines({ encoding: 'utf8' })) {
      lineNo++;
      let entry: ListEntry | undefined;
      try {
        entry = parseListLine(lineNo === 1 ? line.replace(/^\uFEFF/, '') : line);
      } catch (err) {
        throw new FerryError('USAGE', `list file ${path} line ${lineNo}: ${(err as Error).message}`, { fatal: true, field: 'list' });
      }
      if (entry === undefined) continue;
      if (!entry.whole) {
        // One string per distinct prefix, not per line.
        const shared = bases.get(entry.base);
        if (shared === undefined) bases.set(entry.base, entry.base);
        else entry.base = shared;
      }
      entries.push(entry);
    }
  } finally {
    await handle.close();
  }
  return sortUnique(entries);
}

/** Parses one line; undefined for blank and comment lines; throws Error(reason) when malformed. */
export function parseListLine(line: string): ListEntry | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const columns = /^(\S+)\s+(.+)$/su.exec(text);
  const entry = columns === null ? fromUrl(text) : fromColumns(columns[1] ?? '', columns[2] ?? '');
  checkKey(entry.key);
  return entry;
}

function fromColumns(prefix: string, relative: string): ListEntry {
  let base = withScheme(prefix);
  const url = parseUrl(base);
  const key = relative.replace(/^\/+/, '');
  // `host` + `a/b.jpg` and `host/x` + `/a.jpg` need the slash the list left out.
  const bareOrigin = url.pathname === '/' && !base.endsWith('/');
  if ((bareOrigin || key !== relative) && !base.endsWith('/')) base += '/';
  if (key.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(`relative path ${JSON.stringify(relative)} has . or .. segments, which a URL resolves away`);
  }
  const entry: ListEntry = { key, base, whole: false };
  parseUrl(entryUrl(entry));
  return entry;
}

function fromUrl(text: string): ListEntry {
  const url = parseUrl(withScheme(text));
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    throw new Error(`URL ${text} has a malformed %-escape`);
  }
  return { key: path.replace(/^\/+/, ''), base: url.href, whole: true };
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not a valid URL`);
  }
  if (url.hostname === '') throw new Error(`URL ${text} has no host`);
  return url;
}

function checkKey(key: string): void {
  if (key === '') throw new Error('no file path: the key would be empty');
  if (key.endsWith('/')) throw new Error(`path ${JSON.stringify(key)} names a directory, not a file`);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new Error(`key is longer than ${MAX_KEY_BYTES} bytes`);
}

function sortUnique(entries: ListEntry[]): ListEntry[] {
  // Array#sort is stable, so among equal keys the last line stays last.
  entries.sort((a, b) => compareKeys(a.key, b.key));
  let out = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (entry === undefined) continue;
    if (i + 1 < entries.length && entries[i + 1]?.key === entry.key) continue;
    entries[out++] = entry;
  }
  entries.length = out;
  return entries;
}
