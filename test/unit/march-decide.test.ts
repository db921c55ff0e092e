import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../src/core/index.js';
import { decide, march, type DecideContext } from '../../src/engine/index.js';
import { DEFAULT_COPY_OPTIONS } from '../../src/engine/copy-options.js';
import { planParts } from '../../src/engine/transfer/index.js';

const obj = (key: string, size = 1, extra: Partial<ObjectInfo> = {}): ObjectInfo => ({ key, size, mtimeMs: 1000, ...extra });

async function* from(items: ObjectInfo[]): AsyncGenerator<ObjectInfo> {
  for (const i of items) yield i;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('march', () => {
  it('pairs source keys with destination keys in one pass, ignoring destination-only keys', async () => {
    const src = [obj('a'), obj('b/'), obj('b/c'), obj('é'), obj('😀')];
    const dst = [obj('0'), obj('b/c', 2), obj('c'), obj('😀', 3), obj('😀z')];
    const pairs = await collect(march(from(src), from(dst)));
    expect(pairs.map((p) => [p.src.key, p.dst?.size])).toEqual([
      ['a', undefined],
      ['b/', undefined],
      ['b/c', 2],
      ['é', undefined],
      ['😀', 3],
    ]);
  });

  it('refuses a listing that is not in byte order', async () => {
    await expect(collect(march(from([obj('b'), obj('a')]), from([])))).rejects.toThrow(/out of order/);
    // U+FFFD sorts after U+1F600 in UTF-16 (a surrogate pair) but before it in UTF-8: the walk must use bytes.
    await expect(collect(march(from([obj('\uFFFD'), obj('😀')]), from([])))).resolves.toHaveLength(2);
    await expect(collect(march(from([obj('😀'), obj('\uFFFD')]), from([])))).rejects.toThrow(/out of order/);
  });
});

describe('decide', () => {
  const ctx = (overrides: Partial<DecideContext['options']> = {}): DecideContext => ({
    options: { ...DEFAULT_COPY_OPTIONS, ...overrides },
    srcEtagIsMd5: true,
    dstEtagIsMd5: true,
    archiveClasses: new Set(['GLACIER']),
  });
  const md5a = '0cc175b9c0f1b6a831c399e269772661';
  const md5b = '92eb5ffee6ae2fec3ad71c777531578f';

  it('copies missing objects and skips archived, filtered and older-than-since ones', () => {
    expect(decide(obj('k'), undefined, ctx())).toEqual({ action: 'copy', reason: 'missing' });
    expect(decide(obj('k', 1, { storageClass: 'GLACIER' }), undefined, ctx())).toEqual({ action: 'skip', reason: 'archived' });
    expect(decide(obj('k'), undefined, ctx({ filter: (k) => k !== 'k' }))).toEqual({ action: 'skip', reason: 'filtered' });
    expect(decide(obj('k', 1, { mtimeMs: 5 }), undefined, ctx({ sinceMs: 6 }))).toEqual({ action: 'skip', reason: 'before-since' });
    expect(decide(obj('k', 1, { mtimeMs: 6 }), undefined, ctx({ sinceMs: 6 })).action).toBe('copy');
  });

  it('different: size, then comparable MD5s, then times', () => {
    expect(decide(obj('k', 1), obj('k', 2), ctx()).reason).toBe('size');
    expect(decide(obj('k', 1, { etag: md5a }), obj('k', 1, { etag: md5b }), ctx()).reason).toBe('checksum');
    expect(decide(obj('k', 1, { etag: md5a, mtimeMs: 9 }), obj('k', 1, { etag: md5a, mtimeMs: 1 }), ctx())).toEqual({ action: 'skip', reason: 'unchanged' });
    // Multipart ETags depend on part sizes: not compared, the times decide.
    expect(decide(obj('k', 1, { etag: `${md5a}-2`, mtimeMs: 5 }), obj('k', 1, { etag: md5b, mtimeMs: 1, storedMs: 9 }), ctx()).action).toBe('skip');
    expect(decide(obj('k', 1, { etag: `${md5a}-2`, mtimeMs: 10 }), obj('k', 1, { etag: md5b, mtimeMs: 1, storedMs: 9 }), ctx()).reason).toBe('newer');
    // Kodo-like ETags are not MD5s.
    expect(decide(obj('k', 1, { etag: md5a, mtimeMs: 1 }), obj('k', 1, { etag: md5b, mtimeMs: 2 }), { ...ctx(), srcEtagIsMd5: false }).action).toBe('skip');
  });

  it('never, always, newer', () => {
    expect(decide(obj('k', 1), obj('k', 2), ctx({ overwrite: 'never' })).reason).toBe('exists');
    expect(decide(obj('k', 1, { etag: md5a }), obj('k', 1, { etag: md5a }), ctx({ overwrite: 'always' })).reason).toBe('always');
    expect(decide(obj('k', 1, { mtimeMs: 3 }), obj('k', 1, { mtimeMs: 2 }), ctx({ overwrite: 'newer' })).reason).toBe('newer');
    expect(decide(obj('k', 1, { mtimeMs: 2 }), obj('k', 9, { mtimeMs: 2 }), ctx({ overwrite: 'newer' })).action).toBe('skip');
  });
});

describe('planParts', () => {
  const limits = { maxParts: 10_000, minPartSize: 5 * 2 ** 20, maxPartSize: 5 * 2 ** 30, maxSinglePutSize: 5 * 2 ** 30 };
  it('covers every byte once, in order', () => {
    const parts = planParts(200 * 2 ** 20 + 7, 16 * 2 ** 20, limits);
    expect(parts).toHaveLength(13);
    expect(parts[0]).toEqual({ partNumber: 1, start: 0, end: 16 * 2 ** 20 - 1 });
    expect(parts.at(-1)?.end).toBe(200 * 2 ** 20 + 6);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.start).toBe(parts[i - 1]!.end + 1);
  });
  it('raises the part size so a 5 TiB object fits in 10,000 parts', () => {
    const size = 5 * 2 ** 40;
    const parts = planParts(size, 16 * 2 ** 20, limits);
    expect(parts.length).toBeLessThanOrEqual(10_000);
    expect(parts.at(-1)?.end).toBe(size - 1);
  });
});

describe('decide in incremental runs', () => {
  it('skips objects older than the last run only when the destination has them', () => {
    const ctx: DecideContext = {
      options: { ...DEFAULT_COPY_OPTIONS },
      srcEtagIsMd5: true,
      dstEtagIsMd5: true,
      archiveClasses: new Set(),
      incrementalSinceMs: 100,
    };
    expect(decide(obj('old', 1, { mtimeMs: 50 }), obj('old', 1, { mtimeMs: 60 }), ctx)).toEqual({ action: 'skip', reason: 'before-since' });
    // It failed last time, so it is missing: copy it now.
    expect(decide(obj('failed-before', 1, { mtimeMs: 50 }), undefined, ctx)).toEqual({ action: 'copy', reason: 'missing' });
    expect(decide(obj('new', 1, { mtimeMs: 150 }), undefined, ctx).action).toBe('copy');
  });
});
