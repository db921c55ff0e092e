// parallelMarch against an in-memory store with S3's listing rules (byte-wise
// order, delimiter levels, start-after): whatever the key set, the pairs are
// exactly those of one sequential march, each source key once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, FerryError, type ObjectInfo } from '../../src/core/index.js';
import { march, parallelMarch, type MarchPair } from '../../src/engine/index.js';
import type { LevelEntry, ListOptions, ObjectStore } from '../../src/stores/index.js';

/** Lists like S3: sorted by UTF-8 bytes, `prefix`, `startAfter`, one level with `/`. */
class MemoryStore {
  readonly description = 'memory';
  levelCalls = 0;
  listCalls = 0;
  private readonly objects: ObjectInfo[];
  constructor(
    keys: Iterable<string>,
    private readonly failOn?: string,
  ) {
    this.objects = [...new Set(keys)].sort(compareKeys).map((key) => ({ key, size: key.length, mtimeMs: 1, etag: 'e' }));
  }
  private after(prefix: string, startAfter: string | undefined): ObjectInfo[] {
    return this.objects.filter((o) => o.key.startsWith(prefix) && (startAfter === undefined || compareKeys(o.key, startAfter) > 0));
  }
  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    this.listCalls++;
    for (const o of this.after(options.prefix ?? '', options.startAfter)) {
      await Promise.resolve();
      if (this.failOn !== undefined && o.key === this.failOn) throw new FerryError('NETWORK', 'listing failed', { retryable: true });
      yield o;
    }
  }
  async *listLevel(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<LevelEntry> {
    this.levelCalls++;
    let lastPrefix: string | undefined;
    for (const o of this.after(prefix, options.startAfter)) {
      await Promise.resolve();
      if (this.failOn !== undefined && o.key === this.failOn) throw new FerryError('NETWORK', 'listing failed', { retryable: true });
      const slash = o.key.indexOf('/', prefix.length);
      if (slash === -1) {
        yield { object: o };
        continue;
      }
      const sub = o.key.slice(0, slash + 1);
      if (sub !== lastPrefix) yield { prefix: sub };
      lastPrefix = sub;
    }
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const asStore = (m: MemoryStore): ObjectStore => m as unknown as ObjectStore;

async function collect(pairs: AsyncIterable<MarchPair>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of pairs) out.push(`${p.src.key}|${p.dst?.key ?? '-'}`);
  return out;
}

async function sequential(src: MemoryStore, dst: MemoryStore): Promise<string[]> {
  return (await collect(march(src.list(), dst.list()))).sort();
}

const segment = fc.constantFrom('a', 'b', 'a-b', 'é', '😀', '', 'x y', 'z');
const keyArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

describe('parallelMarch', () => {
  it('gives the pairs of one sequential march, each source key once, for any key set', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 60 }),
        fc.uniqueArray(keyArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        async (srcKeys, dstKeys, concurrency, maxSplit, levelDepth) => {
          const src = new MemoryStore(srcKeys);
          const dst = new MemoryStore(dstKeys);
          const got = await collect(parallelMarch(asStore(src), asStore(dst), { concurrency, maxSplit, levelDepth, highWater: 3 }));
          expect(got.slice().sort()).toEqual(await sequential(src, dst));
          expect(new Set(got.map((g) => g.split('|')[0])).size).toBe(got.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lists sub-prefixes as parts of their own, in parallel', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `top/d${i % 10}/${String(i).padStart(4, '0')}`);
    const src = new MemoryStore(keys);
    const dst = new MemoryStore(keys.slice(0, 50));
    const got = await collect(parallelMarch(asStore(src), asStore(dst), { concurrency: 8 }));
    expect(got).toHaveLength(200);
    expect(got.filter((g) => !g.endsWith('|-'))).toHaveLength(50);
    // '' and 'top/' one level at a time, then the ten folders flat, on each side.
    expect([src.levelCalls, src.listCalls]).toEqual([2, 10]);
    expect([dst.levelCalls, dst.listCalls]).toEqual([2, 10]);
  });

  it('stops splitting a level after maxSplit prefixes and lists the rest of it flat', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => `f${String(i).padStart(3, '0')}/k`).concat(['top-object']);
    const src = new MemoryStore(keys);
    const dst = new MemoryStore([]);
    const got = await collect(parallelMarch(asStore(src), asStore(dst), { concurrency: 4, maxSplit: 5, levelDepth: 1 }));
    // 5 folders as parts, then one flat part for everything after the fifth.
    expect(src.listCalls).toBe(6);
    expect(got.slice().sort()).toEqual(await sequential(new MemoryStore(keys), new MemoryStore([])));
  });

  it('marches in one pass with concurrency 1', async () => {
    const src = new MemoryStore(['a/1', 'b/2']);
    const dst = new MemoryStore(['a/1']);
    expect(await collect(parallelMarch(asStore(src), asStore(dst), { concurrency: 1 }))).toEqual(['a/1|a/1', 'b/2|-']);
    expect([src.levelCalls, src.listCalls]).toEqual([0, 1]);
  });

  it('fails with the error of a part that fails', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `d${i % 3}/${i}`);
    const src = new MemoryStore(keys, 'd1/16');
    const run = collect(parallelMarch(asStore(src), asStore(new MemoryStore([])), { concurrency: 3 }));
    await expect(run).rejects.toThrow('listing failed');
  });

  it('stops listing when the consumer stops early', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `d${i % 5}/${String(i).padStart(5, '0')}`);
    const src = new MemoryStore(keys);
    let n = 0;
    for await (const pair of parallelMarch(asStore(src), asStore(new MemoryStore([])), { concurrency: 5, highWater: 10 })) {
      expect(pair.src.key).toMatch(/^d\d\//);
      if (++n === 20) break;
    }
    expect(n).toBe(20);
  });
});
