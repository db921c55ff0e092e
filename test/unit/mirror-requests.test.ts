// The small parsers of the mirror's request path: bucket and key from either
// addressing style, Range, conditional headers, copy sources, listings.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRange, resolveRange } from '../../src/mirror/byte-range.js';
import { evaluateConditions } from '../../src/mirror/conditions.js';
import { continuationToken, listPage, parseContinuationToken, type ListEntry, type ListQuery } from '../../src/mirror/list-merge.js';
import { parseTarget } from '../../src/mirror/request-target.js';
import { parseCopySource } from '../../src/mirror/write-requests.js';
import { LocalStore } from '../../src/stores/local/index.js';

describe('parseTarget', () => {
  it('reads path-style and virtual-host requests alike', () => {
    expect(parseTarget('/photos/a%20b/c%2Bd.jpg?x-id=GetObject', '127.0.0.1:9080', 'photos')).toMatchObject({ bucket: 'photos', key: 'a b/c+d.jpg', style: 'path', rawQuery: 'x-id=GetObject' });
    expect(parseTarget('/a%20b/c%2Bd.jpg', 'photos.localhost:9080', 'photos')).toMatchObject({ bucket: 'photos', key: 'a b/c+d.jpg', style: 'virtual-host' });
    expect(parseTarget('/photos?list-type=2&prefix=a%2F', 'h', 'photos')).toMatchObject({ bucket: 'photos', key: undefined });
    expect(parseTarget('/photos/', 'h', 'photos').key).toBeUndefined();
    expect(parseTarget('/?list-type=2', 'photos.localhost', 'photos')).toMatchObject({ bucket: 'photos', key: undefined, style: 'virtual-host' });
    expect(parseTarget('/', '127.0.0.1:9080', 'photos')).toMatchObject({ bucket: '', key: undefined });
    // Another name in the host is not this mirror's bucket: read as path-style, then refused as unknown.
    expect(parseTarget('/k', 'other.localhost', 'photos')).toMatchObject({ bucket: 'k', key: undefined });
    expect(parseTarget('/photos/a//b/', 'h', 'photos').key).toBe('a//b/');
    expect(parseTarget('/photos/k?uploads&partNumber=2', 'h', 'photos').query).toEqual(new Map([['uploads', ''], ['partNumber', '2']]));
    expect(() => parseTarget('/photos/%E0%A4%A', 'h', 'photos')).toThrow(/parse/);
  });
});

describe('Range', () => {
  it('reads one range; ignores what S3 ignores', () => {
    expect(parseRange('bytes=0-9')).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=100-')).toEqual({ start: 100, end: undefined });
    expect(parseRange('bytes=-5')).toEqual({ suffix: 5 });
    expect(parseRange('bytes=5-1')).toBeUndefined();
    expect(parseRange('bytes=0-1,5-6')).toBeUndefined();
    expect(parseRange('items=0-1')).toBeUndefined();
    expect(parseRange(undefined)).toBeUndefined();
  });

  it('resolves against the size, or says unsatisfiable', () => {
    expect(resolveRange({ start: 0, end: 9 }, 5)).toEqual({ start: 0, end: 4 });
    expect(resolveRange({ start: 3, end: undefined }, 10)).toEqual({ start: 3, end: 9 });
    expect(resolveRange({ suffix: 4 }, 10)).toEqual({ start: 6, end: 9 });
    expect(resolveRange({ suffix: 40 }, 10)).toEqual({ start: 0, end: 9 });
    expect(resolveRange({ start: 10, end: undefined }, 10)).toBeUndefined();
    expect(resolveRange({ suffix: 0 }, 10)).toBeUndefined();
    expect(resolveRange({ start: 0, end: 0 }, 0)).toBeUndefined();
  });
});

describe('conditional headers', () => {
  const modified = Date.UTC(2024, 0, 2, 3, 4, 5, 600);
  it('evaluates If-Match, If-None-Match and the dates in RFC 9110 order', () => {
    expect(evaluateConditions({ 'if-none-match': '"abc"' }, 'abc', modified)).toBe('not-modified');
    expect(evaluateConditions({ 'if-none-match': 'W/"abc", "def"' }, 'def', modified)).toBe('not-modified');
    expect(evaluateConditions({ 'if-none-match': '"x"' }, 'abc', modified)).toBe('serve');
    expect(evaluateConditions({ 'if-match': '"x"' }, 'abc', modified)).toBe('precondition-failed');
    expect(evaluateConditions({ 'if-match': '*' }, 'abc', modified)).toBe('serve');
    expect(evaluateConditions({ 'if-modified-since': new Date(modified).toUTCString() }, 'abc', modified)).toBe('not-modified');
    expect(evaluateConditions({ 'if-modified-since': new Date(modified - 2000).toUTCString() }, 'abc', modified)).toBe('serve');
    expect(evaluateConditions({ 'if-unmodified-since': new Date(modified - 2000).toUTCString() }, 'abc', modified)).toBe('precondition-failed');
    // If-Match decides; If-Unmodified-Since is then not looked at (S3 does the same).
    expect(evaluateConditions({ 'if-match': '"abc"', 'if-unmodified-since': new Date(modified - 2000).toUTCString() }, 'abc', modified)).toBe('serve');
    expect(evaluateConditions({ 'if-none-match': '"x"', 'if-modified-since': new Date(modified).toUTCString() }, 'abc', modified)).toBe('serve');
  });
});

describe('x-amz-copy-source', () => {
  it('reads bucket, key and version; only the mirror bucket', () => {
    expect(parseCopySource('/photos/a%20b/c.jpg', 'photos')).toEqual({ key: 'a b/c.jpg', versionId: undefined });
    expect(parseCopySource('photos/k?versionId=v%2B1', 'photos')).toEqual({ key: 'k', versionId: 'v+1' });
    expect(() => parseCopySource('other/k', 'photos')).toThrow(/copies within its bucket/);
    expect(() => parseCopySource('photos/', 'photos')).toThrow(/source bucket and key/);
  });
});

describe('merged listings', () => {
  /** Two local folders as the destination and source stores, with these files. */
  function stores(dstKeys: string[], srcKeys: string[]): { dst: LocalStore; src: LocalStore } {
    const make = (keys: string[], tag: string): LocalStore => {
      const root = mkdtempSync(join(tmpdir(), `ferry-mirror-list-${tag}-`));
      for (const k of keys) {
        mkdirSync(dirname(join(root, k)), { recursive: true });
        writeFileSync(join(root, k), `${tag}:${k}`);
      }
      return new LocalStore({ type: 'local', path: root, prefix: '' });
    };
    return { dst: make(dstKeys, 'dst'), src: make(srcKeys, 'src') };
  }
  const q = (over: Partial<ListQuery>): ListQuery => ({ prefix: '', delimiter: undefined, startAfter: undefined, after: undefined, maxKeys: 1000, ...over });
  const keys = (entries: ListEntry[]): string[] => entries.map((e) => (e.object ? e.key : `${e.key} (prefix)`));

  it('merges both sides in key order, once per key, the destination winning', async () => {
    const { dst, src } = stores(['a.txt', 'c/1', 'e.txt'], ['a.txt', 'b.txt', 'c/2', 'd/x/y', 'f.txt']);
    const page = await listPage(dst, src, q({}), () => false);
    expect(keys(page.entries)).toEqual(['a.txt', 'b.txt', 'c/1', 'c/2', 'd/x/y', 'e.txt', 'f.txt']);
    expect(page.entries[0]!.object!.size).toBe('dst:a.txt'.length);
    const level = await listPage(dst, src, q({ delimiter: '/' }), () => false);
    expect(keys(level.entries)).toEqual(['a.txt', 'b.txt', 'c/ (prefix)', 'd/ (prefix)', 'e.txt', 'f.txt']);
    const inner = await listPage(dst, src, q({ prefix: 'd/', delimiter: '/' }), () => false);
    expect(keys(inner.entries)).toEqual(['d/x/ (prefix)']);
    // Keys deleted through the mirror are hidden on the source side.
    expect(keys((await listPage(dst, src, q({}), (k) => k === 'b.txt' || k === 'a.txt')).entries)).toEqual(['a.txt', 'c/1', 'c/2', 'd/x/y', 'e.txt', 'f.txt']);
  });

  it('pages through with tokens, a common prefix never repeated', async () => {
    const { dst, src } = stores(['a/1', 'a/2', 'b', 'c/9'], ['a/3', 'b', 'c/1', 'd']);
    const seen: string[] = [];
    let after: ListEntry | undefined;
    let pages = 0;
    for (;;) {
      const page = await listPage(dst, src, q({ delimiter: '/', maxKeys: 1, after }), () => false);
      seen.push(...keys(page.entries));
      pages++;
      if (!page.truncated) break;
      after = parseContinuationToken(continuationToken(page.entries.at(-1)!));
    }
    expect(seen).toEqual(['a/ (prefix)', 'b', 'c/ (prefix)', 'd']);
    expect(pages).toBe(4);
    const flat: string[] = [];
    after = undefined;
    for (;;) {
      const page = await listPage(dst, src, q({ maxKeys: 2, after }), () => false);
      flat.push(...keys(page.entries));
      if (!page.truncated) break;
      after = parseContinuationToken(continuationToken(page.entries.at(-1)!));
    }
    expect(flat).toEqual(['a/1', 'a/2', 'a/3', 'b', 'c/1', 'c/9', 'd']);
    expect(keys((await listPage(dst, src, q({ startAfter: 'b' }), () => false)).entries)).toEqual(['c/1', 'c/9', 'd']);
    expect(() => parseContinuationToken('not-a-token')).toThrow(/continuation token/);
  });
});
