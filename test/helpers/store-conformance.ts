// One conformance suite for every ObjectStore backend (the idea of rclone's
// fstests and unstorage's testDriver): the same tests run against S3, local
// disk and HTTP lists, so a backend that drifts from the contract in
// src/stores/object-store.ts fails here with real values, not in a copy.
//
// A backend provides a factory returning a fresh, empty store per test plus
// `seed()`, which writes fixtures through the backend's own native means (the
// SDK, fs, files served over HTTP), never through the store under test.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerryError, multipartEtag, type ErrorCode, type ObjectInfo, type ObjectMetadata } from '../../src/core/index.js';
import { hasMultipart, hasServerSideCopy, isWritable, type ObjectStore, type VersionTag, type WritableStore } from '../../src/stores/index.js';

export interface SeedObject {
  /** Relative to the store's root, as the store lists it. */
  key: string;
  body: Buffer;
  /** Whole seconds, so every backend can keep it (HTTP dates have no milliseconds). */
  mtimeMs: number;
  contentType?: string | undefined;
  /** User metadata, where the backend has any. */
  user?: Record<string, string> | undefined;
}

export interface StoreUnderTest {
  store: ObjectStore;
  /** Writes fixtures natively (not through `store`). Called before the first `list()`. */
  seed(objects: readonly SeedObject[]): Promise<void>;
  /**
   * Changes the object behind `key` natively, so that the version listed
   * before no longer matches (S3: new content of the same size, so only the
   * ETag tells; local: a new mtime; HTTP: the served file changes).
   */
  makeStale(key: string): Promise<void>;
  /** Every native name under the store's root, temp files and directories (`d/`) included. */
  rawNames?(): Promise<string[]>;
  /** Server-side copy peers (stores with that capability only). */
  copyPeers?: CopyPeers | undefined;
  /** Releases the store and whatever the harness started. */
  close(): Promise<void>;
}

export interface CopyPeers {
  /** Another location on the same server with the same credentials (a copy source). */
  same: StoreUnderTest;
  /** A location of another account on the same server: not copyable server-side. */
  otherAccount: ObjectStore;
  /** A store of another kind altogether. */
  foreign: ObjectStore;
}

export interface ConformanceTraits {
  writable: boolean;
  /** What list() gives as mtime of a seeded object: the seeded time, or when the server stored it. */
  listedMtime: 'seeded' | 'stored';
  /** `all`: every directory also lists as a `dir/` marker (a local destination). */
  dirMarkers: 'explicit' | 'all';
  /** Keys ending in `/` (directory markers) can be seeded and put. */
  markerKeys: boolean;
  /** `a` and `a/b` can both exist (not on a file system). */
  fileAndDirSameName: boolean;
  /** Listings and HEADs carry the content MD5 as ETag. */
  md5Etags: boolean;
  /** head() returns the Content-Type seeded or put (else one derived from the key's extension). */
  keepsContentType: boolean;
  /** head() returns user metadata and content headers seeded or put. */
  keepsUserMetadata: boolean;
  multipart: boolean;
  serverSideCopy: boolean;
  /** Objects to seed to cross listing page boundaries; 0 skips that test. */
  pagingObjects: number;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

const KiB = 1024;
const MiB = 1024 * KiB;
const SEED_MTIME = Date.UTC(2021, 0, 2, 3, 4, 5);
/** Clock slack allowed between this machine and the server for `stored` mtimes. */
const CLOCK_SLACK_MS = 5000;

/**
 * Keys chosen to break naive stores: spaces, `+` (form-encoded as space by
 * S3 URL-encoded listings), `%` with and without hex digits after it, `#`,
 * `?`, unicode, and names around `/` in byte order (`-` 0x2d < `.` 0x2e <
 * `/` 0x2f < `0` 0x30). `sort/｡` (U+FF61, 3 UTF-8 bytes) sorts before
 * `sort/😀` (4 bytes) in UTF-8, the other way round in UTF-16.
 */
export const CONFORMANCE_KEYS: readonly string[] = [
  'a',
  'a-b',
  'a.b',
  'a/b',
  'a/c/d.txt',
  'a0',
  'Z-upper.txt',
  'dir with space/file name.txt',
  'empty.bin',
  'sort/｡.txt',
  'sort/😀.txt',
  'special/a+b%c#d?e&f=g;h.bin',
  'special/percent%20literal',
  'special/plus+and space.txt',
  'top.txt',
  'unicode/中文/ünïcødé 🎉.txt',
];

export const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export async function collect(iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Resolves to the rejection of `p` (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<FerryError> {
  const outcome = await p.then(
    (value: unknown) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value, (_k, v: unknown) => (v instanceof Readable ? '[stream]' : v))}`);
  expect(outcome.err).toBeInstanceOf(FerryError);
  return outcome.err as FerryError;
}

export async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<FerryError> {
  const err = await rejection(p);
  expect(err.code, err.message).toBe(code);
  return err;
}

/** A body that sends `good` and then fails, as a source connection dropping mid-copy. */
function failingBody(good: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(good);
        return;
      }
      setTimeout(() => this.destroy(new Error('source connection dropped')), 50);
    },
  });
}

/** Rejects after `ms`: a put that hangs on a broken body is a failure, not a slow test. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms}ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Seeded objects, varied sizes, one second apart. */
function fixtures(keys: readonly string[]): SeedObject[] {
  return keys.map((key, i) => ({
    key,
    body: key.endsWith('/') || key === 'empty.bin' ? Buffer.alloc(0) : randomBytes(1 + ((i * 977) % 5000)),
    mtimeMs: SEED_MTIME + i * 1000,
    contentType: key.endsWith('.txt') ? 'text/plain' : 'application/x-ferry-fixture',
    user: { fixture: String(i), 'seeded-by': 'conformance' },
  }));
}

/** What a listing of these keys holds: with `all` markers, every ancestor directory too. */
function expectedKeys(keys: readonly string[], traits: ConformanceTraits): string[] {
  const all = new Set(keys);
  if (traits.dirMarkers === 'all') {
    for (const key of keys) {
      for (let i = key.indexOf('/'); i !== -1 && i < key.length - 1; i = key.indexOf('/', i + 1)) all.add(key.slice(0, i + 1));
    }
  }
  return [...all].sort(byteOrder);
}

function versionOf(info: ObjectInfo): VersionTag {
  return { etag: info.etag, size: info.size, mtimeMs: info.mtimeMs };
}

function mustFind(listing: readonly ObjectInfo[], key: string): ObjectInfo {
  const found = listing.find((o) => o.key === key);
  if (found === undefined) throw new Error(`${key} is not listed; listed: ${listing.map((o) => o.key).join(', ')}`);
  return found;
}

export function describeStoreConformance(name: string, factory: StoreFactory, traits: ConformanceTraits, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`store conformance: ${name}`, () => {
    let t: StoreUnderTest;
    let startedAt = 0;
    const keys = CONFORMANCE_KEYS.filter((k) => traits.fileAndDirSameName || k !== 'a');

    beforeEach(async () => {
      // Server times are whole seconds; allow for that and some clock skew.
      startedAt = Math.floor(Date.now() / 1000) * 1000 - CLOCK_SLACK_MS;
      t = await factory();
    });
    afterEach(async () => {
      await t?.close();
    });

    const writable = (): WritableStore => {
      if (!isWritable(t.store)) throw new Error(`${t.store.description} is not writable`);
      return t.store;
    };

    /** Checks a listed mtime: exact when the store keeps the seeded time, else within this test's time window. */
    const expectMtime = (actual: number, seeded: number | undefined, key: string): void => {
      if (traits.listedMtime === 'seeded' && seeded !== undefined) {
        expect(actual, `${key} mtime`).toBe(seeded);
      } else {
        expect(actual, `${key} mtime`).toBeGreaterThanOrEqual(startedAt);
        expect(actual, `${key} mtime`).toBeLessThanOrEqual(Date.now() + CLOCK_SLACK_MS);
      }
    };

    describe('read', () => {
      it('advertises the capabilities the backend has', () => {
        expect(isWritable(t.store)).toBe(traits.writable);
        expect(hasMultipart(t.store)).toBe(traits.multipart);
        expect(hasServerSideCopy(t.store)).toBe(traits.serverSideCopy);
        expect(t.store.kind).toMatch(/^(s3|local|http-list)$/);
        expect(t.store.description.length).toBeGreaterThan(0);
      });

      it('lists an empty store as nothing, with any prefix or startAfter', async () => {
        await t.seed([]);
        expect(await collect(t.store.list())).toEqual([]);
        expect(await collect(t.store.list({ prefix: 'a/' }))).toEqual([]);
        expect(await collect(t.store.list({ prefix: 'missing/prefix/' }))).toEqual([]);
        expect(await collect(t.store.list({ startAfter: 'a' }))).toEqual([]);
      });

      it('lists exactly the seeded keys once each, in byte-wise UTF-8 order, with sizes, mtimes and ETags', async () => {
        const objects = fixtures(keys);
        await t.seed(objects);
        const listing = await collect(t.store.list());
        const expected = expectedKeys(keys, traits);
        expect(listing.map((o) => o.key)).toEqual(expected);
        // Spot-check the orderings the keys were chosen for.
        const order = listing.map((o) => o.key);
        const before = (x: string, y: string): void => expect(order.indexOf(x), `${x} < ${y}`).toBeLessThan(order.indexOf(y));
        before('a-b', 'a.b');
        before('a.b', 'a/b');
        before('a/c/d.txt', 'a0');
        before('Z-upper.txt', 'a-b');
        before('sort/｡.txt', 'sort/😀.txt');
        if (traits.fileAndDirSameName) before('a', 'a-b');

        for (const info of listing) {
          const seeded = objects.find((o) => o.key === info.key);
          if (seeded === undefined) {
            // A directory marker the store adds (local destination mode).
            expect(info.key.endsWith('/'), info.key).toBe(true);
            expect(info.size).toBe(0);
            expect(info.mtimeMs).toBeGreaterThan(0);
            continue;
          }
          expect(info.size, info.key).toBe(seeded.body.length);
          expectMtime(info.mtimeMs, seeded.mtimeMs, info.key);
          if (traits.md5Etags) expect(info.etag, info.key).toBe(md5(seeded.body));
          else expect(info.etag, info.key).toBeUndefined();
        }
        expect(listing.find((o) => o.key === 'empty.bin')?.size).toBe(0);
      });

      it('list({prefix}) gives the keys under a sub-prefix, ending mid-name or at a slash', async () => {
        await t.seed(fixtures(keys));
        const all = expectedKeys(keys, traits);
        for (const prefix of ['a', 'a/', 'a/c/', 'a0', 'special/', 'special/p', 'unicode/中', 'sort/😀', 'Z', 'nope/', 'a/b/']) {
          const listed = (await collect(t.store.list({ prefix }))).map((o) => o.key);
          expect(listed, `prefix ${prefix}`).toEqual(all.filter((k) => k.startsWith(prefix)));
        }
        // Real values, not only "what the filter says".
        expect((await collect(t.store.list({ prefix: 'special/p' }))).map((o) => o.key)).toEqual(['special/percent%20literal', 'special/plus+and space.txt']);
      });

      it('list({startAfter}) resumes strictly after the key, at every point of the listing', async () => {
        await t.seed(fixtures(keys));
        const all = expectedKeys(keys, traits);
        for (let i = 0; i < all.length; i++) {
          const after = all[i]!;
          const rest = (await collect(t.store.list({ startAfter: after }))).map((o) => o.key);
          expect(rest, `startAfter ${after}`).toEqual(all.slice(i + 1));
        }
        // Keys that are not listed resume at the next one in byte order.
        for (const after of ['', 'a-a', 'a/', 'a/bb', 'sort/｡.txu', 'zzz']) {
          const rest = (await collect(t.store.list({ startAfter: after }))).map((o) => o.key);
          expect(rest, `startAfter ${JSON.stringify(after)}`).toEqual(all.filter((k) => byteOrder(k, after) > 0));
        }
        const both = (await collect(t.store.list({ prefix: 'a/', startAfter: 'a/b' }))).map((o) => o.key);
        expect(both).toEqual(all.filter((k) => k.startsWith('a/') && byteOrder(k, 'a/b') > 0));
        expect(both).toContain('a/c/d.txt');
      });

      it.runIf(traits.markerKeys)('lists a directory marker key as an empty object', async () => {
        await t.seed([
          { key: 'emptydir/', body: Buffer.alloc(0), mtimeMs: SEED_MTIME },
          { key: 'full/x.txt', body: Buffer.from('x'), mtimeMs: SEED_MTIME },
        ]);
        const listing = await collect(t.store.list());
        expect(listing.map((o) => o.key)).toEqual(expectedKeys(['emptydir/', 'full/x.txt'], traits));
        expect(mustFind(listing, 'emptydir/').size).toBe(0);
        expect((await t.store.head('emptydir/')).size).toBe(0);
      });

      it.runIf(traits.pagingObjects > 0)(`pages through ${traits.pagingObjects} objects without gaps or repeats`, async () => {
        const n = traits.pagingObjects;
        const objects: SeedObject[] = [];
        for (let i = 0; i < n; i++) objects.push({ key: `p/${String(i).padStart(5, '0')}`, body: Buffer.from(String(i)), mtimeMs: SEED_MTIME });
        await t.seed(objects);
        const expected = objects.map((o) => o.key);
        const listing = await collect(t.store.list());
        expect(listing.map((o) => o.key)).toEqual(expected);
        expect(listing.map((o) => o.size)).toEqual(objects.map((o) => o.body.length));
        // Resuming after the last key of the first page, and in the middle of the second.
        expect((await collect(t.store.list({ startAfter: expected[999]! }))).map((o) => o.key)).toEqual(expected.slice(1000));
        expect((await collect(t.store.list({ startAfter: expected[500]! }))).map((o) => o.key)).toEqual(expected.slice(501));
        expect((await collect(t.store.list({ prefix: 'p/010' }))).map((o) => o.key)).toEqual(expected.filter((k) => k.startsWith('p/010')));
      });

      it('head() gives size, mtime and metadata; a missing key is NOT_FOUND', async () => {
        const objects = fixtures(keys);
        await t.seed(objects);
        const listing = await collect(t.store.list());
        for (const seeded of objects) {
          const head = await t.store.head(seeded.key);
          const listed = mustFind(listing, seeded.key);
          expect(head.key).toBe(seeded.key);
          expect(head.size, seeded.key).toBe(seeded.body.length);
          if (traits.listedMtime === 'seeded') expect(head.mtimeMs, seeded.key).toBe(seeded.mtimeMs);
          // HEAD's Last-Modified has whole seconds where the listing may have milliseconds.
          else expect(Math.abs(head.mtimeMs - listed.mtimeMs), seeded.key).toBeLessThan(1000);
          if (traits.md5Etags) expect(head.etag, seeded.key).toBe(md5(seeded.body));
          if (traits.keepsContentType) expect(head.metadata.contentType, seeded.key).toBe(seeded.contentType);
          expect(head.metadata.user, seeded.key).toEqual(traits.keepsUserMetadata ? seeded.user : {});
        }
        await expectCode(t.store.head('missing.txt'), 'NOT_FOUND');
        await expectCode(t.store.head('unicode'), 'NOT_FOUND');
        await expectCode(t.store.head('a/b/below-a-file'), 'NOT_FOUND');
        await expectCode(t.store.head('dir with space/file name.tx'), 'NOT_FOUND');
        await expectCode(t.store.get('missing.txt'), 'NOT_FOUND');
      });

      it('get() returns the whole object and inclusive byte ranges, clamped at the end', async () => {
        const big = randomBytes(300 * KiB + 17);
        await t.seed([
          { key: 'blob/big.bin', body: big, mtimeMs: SEED_MTIME },
          { key: 'special/a+b%c#d?e&f=g;h.bin', body: Buffer.from('tricky key'), mtimeMs: SEED_MTIME },
        ]);
        const whole = await t.store.get('blob/big.bin');
        expect(whole.length).toBe(big.length);
        expect(whole.head.size).toBe(big.length);
        expect(md5(await readAll(whole.body))).toBe(md5(big));

        const tricky = await t.store.get('special/a+b%c#d?e&f=g;h.bin');
        expect((await readAll(tricky.body)).toString()).toBe('tricky key');

        const cases: Array<[number, number, Buffer]> = [
          [0, 0, big.subarray(0, 1)],
          [10, 99, big.subarray(10, 100)],
          [256 * KiB - 1, 256 * KiB + 1, big.subarray(256 * KiB - 1, 256 * KiB + 2)],
          [big.length - 5, big.length - 1, big.subarray(big.length - 5)],
          // An end past the object is clamped, as S3 does.
          [big.length - 5, big.length + 1000, big.subarray(big.length - 5)],
        ];
        for (const [start, end, want] of cases) {
          const part = await t.store.get('blob/big.bin', { range: { start, end } });
          expect(part.length, `${start}-${end}`).toBe(want.length);
          expect(part.head.size, `${start}-${end} head.size is the whole object`).toBe(big.length);
          const got = await readAll(part.body);
          expect(got.length).toBe(want.length);
          expect(got.equals(want), `${start}-${end}`).toBe(true);
        }
      });

      it('get() with ifMatch of the listed version reads it; once changed, PRECONDITION_FAILED', async () => {
        const body = randomBytes(4 * KiB);
        await t.seed([
          { key: 'v/obj.bin', body, mtimeMs: SEED_MTIME },
          { key: 'v/other.bin', body: randomBytes(100), mtimeMs: SEED_MTIME },
        ]);
        const listed = mustFind(await collect(t.store.list()), 'v/obj.bin');
        const version = versionOf(listed);
        const ok = await t.store.get('v/obj.bin', { ifMatch: version });
        expect(md5(await readAll(ok.body))).toBe(md5(body));
        const okRange = await t.store.get('v/obj.bin', { ifMatch: version, range: { start: 1, end: 10 } });
        expect((await readAll(okRange.body)).equals(body.subarray(1, 11))).toBe(true);

        if (traits.md5Etags) {
          // A wrong ETag alone (size and time still right) is enough to refuse.
          await expectCode(t.store.get('v/obj.bin', { ifMatch: { ...version, etag: md5(Buffer.from('not this')) } }), 'PRECONDITION_FAILED');
        }
        // Another object's version does not open this one.
        const otherListed = mustFind(await collect(t.store.list({ prefix: 'v/other' })), 'v/other.bin');
        await expectCode(t.store.get('v/obj.bin', { ifMatch: versionOf(otherListed) }), 'PRECONDITION_FAILED');

        await t.makeStale('v/obj.bin');
        await expectCode(t.store.get('v/obj.bin', { ifMatch: version }), 'PRECONDITION_FAILED');
        await expectCode(t.store.get('v/obj.bin', { ifMatch: version, range: { start: 0, end: 99 } }), 'PRECONDITION_FAILED');
        // Without a condition the new version reads fine.
        const fresh = await t.store.get('v/obj.bin');
        expect((await readAll(fresh.body)).length).toBe(body.length);
      });
    });

    describe.runIf(traits.writable)('write', () => {
      it('put() then get() round-trips bytes and metadata, and the key lists', async () => {
        await t.seed([]);
        const store = writable();
        const body = randomBytes(100 * KiB + 3);
        const key = 'w/round trip ü+%.json';
        const mtimeMs = Date.UTC(2019, 4, 6, 7, 8, 9, 123);
        const metadata: ObjectMetadata = {
          contentType: 'application/x-ferry-test',
          cacheControl: 'max-age=60',
          contentDisposition: 'attachment; filename="x.json"',
          contentLanguage: 'en',
          user: { owner: 'alice', 'project-id': '42' },
        };
        const put = await store.put(key, Readable.from([body]), { size: body.length, metadata, mtimeMs });
        if (traits.md5Etags) expect(put.etag).toBe(md5(body));
        else expect(put.md5).toBe(md5(body));

        const head = await store.head(key);
        expect(head.size).toBe(body.length);
        // The source's mtime is kept (S3 as x-amz-meta-mtime with milliseconds, local as the file's mtime).
        expect(head.mtimeMs).toBe(mtimeMs);
        expect(head.metadata).toEqual(traits.keepsUserMetadata ? metadata : { user: {}, contentType: 'application/json' });
        if (traits.md5Etags) expect(head.etag).toBe(md5(body));

        const got = await store.get(key);
        expect(got.length).toBe(body.length);
        expect(md5(await readAll(got.body))).toBe(md5(body));
        expect(got.head.metadata).toEqual(head.metadata);
        expect(got.head.mtimeMs).toBe(mtimeMs);

        const listing = await collect(store.list());
        expect(listing.map((o) => o.key)).toEqual(expectedKeys([key], traits));
        const listed = mustFind(listing, key);
        expect(listed.size).toBe(body.length);
        expectMtime(listed.mtimeMs, mtimeMs, key);

        // Writing again replaces the object.
        const second = Buffer.from('second version');
        await store.put(key, Readable.from([second]), { size: second.length, metadata: { user: {} }, mtimeMs: mtimeMs + 1000 });
        expect((await readAll((await store.get(key)).body)).toString()).toBe('second version');
        expect((await store.head(key)).mtimeMs).toBe(mtimeMs + 1000);
        if (traits.keepsUserMetadata) expect((await store.head(key)).metadata.user).toEqual({});
      });

      it('put() of 0 bytes makes an empty object', async () => {
        await t.seed([]);
        const store = writable();
        const mtimeMs = Date.UTC(2001, 1, 3, 4, 5, 6, 789);
        const put = await store.put('zero/empty.bin', Readable.from([]), { size: 0, metadata: { user: {} }, mtimeMs });
        expect(put.etag ?? put.md5).toBe('d41d8cd98f00b204e9800998ecf8427e');
        const head = await store.head('zero/empty.bin');
        expect(head.size).toBe(0);
        expect(head.mtimeMs).toBe(mtimeMs);
        const got = await store.get('zero/empty.bin');
        expect(got.length).toBe(0);
        expect((await readAll(got.body)).length).toBe(0);
        const listed = mustFind(await collect(store.list()), 'zero/empty.bin');
        expect(listed.size).toBe(0);
      });

      it.runIf(traits.markerKeys)('put() of a directory marker key lists as that marker', async () => {
        await t.seed([]);
        const store = writable();
        await store.put('made/', Readable.from([]), { size: 0, metadata: { user: {} }, mtimeMs: SEED_MTIME });
        expect((await collect(store.list())).map((o) => o.key)).toEqual(['made/']);
        expect((await store.head('made/')).size).toBe(0);
      });

      it('a put() whose body fails midway rejects and leaves no object, temp file or directory', async () => {
        await t.seed([{ key: 'keep.txt', body: Buffer.from('kept'), mtimeMs: SEED_MTIME }]);
        const store = writable();
        const rawBefore = (await t.rawNames?.()) ?? [];
        const listBefore = (await collect(store.list())).map((o) => o.key);
        for (const key of ['broken.bin', 'broken/deep/x.bin']) {
          const good = randomBytes(64 * KiB);
          const err = await within(
            rejection(store.put(key, failingBody(good), { size: 4 * good.length, metadata: { user: {} }, mtimeMs: SEED_MTIME })),
            20_000,
            `put(${key}) with a failing body`,
          );
          expect(err.code, err.message).not.toBe('PRECONDITION_FAILED');
          await expectCode(store.head(key), 'NOT_FOUND');
        }
        expect((await collect(store.list())).map((o) => o.key)).toEqual(listBefore);
        if (t.rawNames) expect(await t.rawNames()).toEqual(rawBefore);
        // The store still works afterwards.
        const fine = Buffer.from('fine');
        await store.put('broken.bin', Readable.from([fine]), { size: fine.length, metadata: { user: {} }, mtimeMs: SEED_MTIME });
        expect((await readAll((await store.get('broken.bin')).body)).toString()).toBe('fine');
      });

      it('failing puts beside successful ones into the same new directory do not disturb them', async () => {
        await t.seed([]);
        const store = writable();
        const bodies = Array.from({ length: 12 }, (_, i) => randomBytes(8 * KiB + i));
        const results = await Promise.allSettled(
          bodies.map((body, i) =>
            i % 2 === 0
              ? store.put(`race/dir/ok-${i}.bin`, Readable.from([body]), { size: body.length, metadata: { user: {} }, mtimeMs: SEED_MTIME })
              : store.put(`race/dir/bad-${i}.bin`, failingBody(body), { size: 2 * body.length, metadata: { user: {} }, mtimeMs: SEED_MTIME }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(bodies.map((_, i) => (i % 2 === 0 ? 'fulfilled' : 'rejected')));
        const okKeys = bodies.map((_, i) => `race/dir/ok-${i}.bin`).filter((_, i) => i % 2 === 0);
        expect((await collect(store.list())).map((o) => o.key)).toEqual(expectedKeys(okKeys, traits));
        for (const [i, body] of bodies.entries()) {
          if (i % 2 === 0) expect(md5(await readAll((await store.get(`race/dir/ok-${i}.bin`)).body))).toBe(md5(body));
        }
      });

      it('a put() whose body is shorter than the size given rejects and leaves nothing', async () => {
        await t.seed([]);
        const store = writable();
        const body = randomBytes(1000);
        const err = await within(
          rejection(store.put('short.bin', Readable.from([body]), { size: 2000, metadata: { user: {} }, mtimeMs: SEED_MTIME })),
          20_000,
          'put() with a short body',
        );
        expect(err.code, err.message).not.toBe('NOT_FOUND');
        await expectCode(store.head('short.bin'), 'NOT_FOUND');
        expect(await collect(store.list())).toEqual([]);
        if (t.rawNames) expect(await t.rawNames()).toEqual([]);
      });
    });

    describe.runIf(traits.multipart)('multipart', () => {
      it('createMultipart / uploadPart x2 / listParts / completeMultipart gives the object and its multipart ETag', async () => {
        await t.seed([]);
        const store = t.store;
        if (!hasMultipart(store)) throw new Error('no multipart');
        expect(store.multipartLimits.minPartSize).toBeGreaterThan(0);
        const p1 = randomBytes(5 * MiB);
        const p2 = randomBytes(KiB);
        const key = 'mp/obj ü.bin';
        const mtimeMs = Date.UTC(2020, 6, 7, 8, 9, 10, 11);
        const uploadId = await store.createMultipart(key, { metadata: { contentType: 'application/x-mp', user: { via: 'multipart' } }, mtimeMs });
        expect(uploadId.length).toBeGreaterThan(0);
        const r1 = await store.uploadPart(key, uploadId, 1, Readable.from([p1]), p1.length);
        const r2 = await store.uploadPart(key, uploadId, 2, Readable.from([p2]), p2.length);
        expect(r1.etag).toBe(md5(p1));
        expect(r2.etag).toBe(md5(p2));
        expect(await store.listParts(key, uploadId)).toEqual([
          { partNumber: 1, etag: md5(p1), size: p1.length },
          { partNumber: 2, etag: md5(p2), size: p2.length },
        ]);
        // Not visible before completion.
        await expectCode(store.head(key), 'NOT_FOUND');

        const done = await store.completeMultipart(key, uploadId, [
          { partNumber: 1, etag: r1.etag },
          { partNumber: 2, etag: r2.etag },
        ]);
        const expectedEtag = multipartEtag([md5(p1), md5(p2)]);
        expect(done.etag).toBe(expectedEtag);
        const head = await store.head(key);
        expect(head.etag).toBe(expectedEtag);
        expect(head.size).toBe(p1.length + p2.length);
        expect(head.mtimeMs).toBe(mtimeMs);
        expect(head.metadata.contentType).toBe('application/x-mp');
        expect(head.metadata.user).toEqual({ via: 'multipart' });
        expect(md5(await readAll((await store.get(key)).body))).toBe(md5(Buffer.concat([p1, p2])));
        const listed = mustFind(await collect(store.list()), key);
        expect(listed).toMatchObject({ size: p1.length + p2.length, etag: expectedEtag });
        await expectCode(store.listParts(key, uploadId), 'NOT_FOUND');
      });

      it('abortMultipart removes the upload; aborting twice is not an error', async () => {
        await t.seed([]);
        const store = t.store;
        if (!hasMultipart(store)) throw new Error('no multipart');
        const key = 'mp/aborted.bin';
        const uploadId = await store.createMultipart(key, { metadata: { user: {} }, mtimeMs: SEED_MTIME });
        const part = randomBytes(KiB);
        await store.uploadPart(key, uploadId, 1, Readable.from([part]), part.length);
        expect(await store.listParts(key, uploadId)).toHaveLength(1);
        await store.abortMultipart(key, uploadId);
        await expectCode(store.listParts(key, uploadId), 'NOT_FOUND');
        await expect(store.abortMultipart(key, uploadId)).resolves.toBeUndefined();
        await expect(store.abortMultipart(key, 'no-such-upload-id')).resolves.toBeUndefined();
        await expectCode(store.head(key), 'NOT_FOUND');
        expect(await collect(store.list())).toEqual([]);
        // AWS answers NoSuchUpload; Ceph 16 answers 500 "This multipart completion is already in progress".
        const late = await rejection(store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: md5(part) }]));
        expect(['NOT_FOUND', 'SERVER_ERROR'], late.message).toContain(late.code);
        await expectCode(store.head(key), 'NOT_FOUND');
      });
    });

    describe.runIf(traits.serverSideCopy)('server-side copy', () => {
      const peers = (): CopyPeers => {
        if (!t.copyPeers) throw new Error('the harness gives no copy peers');
        return t.copyPeers;
      };

      it('canCopyFrom() is true only for the same server and credentials', () => {
        const store = t.store;
        if (!hasServerSideCopy(store)) throw new Error('no server-side copy');
        const { same, otherAccount, foreign } = peers();
        expect(store.canCopyFrom(store)).toBe(true);
        expect(store.canCopyFrom(same.store)).toBe(true);
        expect(store.canCopyFrom(otherAccount)).toBe(false);
        expect(store.canCopyFrom(foreign)).toBe(false);
      });

      it('copyFrom() keeps the bytes and replaces the metadata; a stale ifMatch is PRECONDITION_FAILED', async () => {
        await t.seed([]);
        const store = t.store;
        if (!hasServerSideCopy(store)) throw new Error('no server-side copy');
        const { same, otherAccount } = peers();
        const body = randomBytes(200 * KiB);
        await same.seed([{ key: 'src/a b+c.bin', body, mtimeMs: SEED_MTIME, contentType: 'text/plain', user: { old: 'yes' } }]);
        const listed = mustFind(await collect(same.store.list()), 'src/a b+c.bin');
        const mtimeMs = Date.UTC(2018, 2, 3, 4, 5, 6, 7);
        const result = await store.copyFrom(same.store, 'src/a b+c.bin', 'dst/copied ü.bin', {
          ifMatch: versionOf(listed),
          metadata: { contentType: 'application/json', user: { fresh: '1' } },
          mtimeMs,
        });
        expect(result.etag).toBe(md5(body));
        const head = await store.head('dst/copied ü.bin');
        expect(head.size).toBe(body.length);
        expect(head.etag).toBe(md5(body));
        expect(head.metadata.contentType).toBe('application/json');
        expect(head.metadata.user).toEqual({ fresh: '1' });
        expect(head.mtimeMs).toBe(mtimeMs);
        expect(md5(await readAll((await store.get('dst/copied ü.bin')).body))).toBe(md5(body));

        await expectCode(
          store.copyFrom(same.store, 'src/a b+c.bin', 'dst/stale.bin', {
            ifMatch: { ...versionOf(listed), etag: md5(Buffer.from('stale')) },
            metadata: { user: {} },
            mtimeMs,
          }),
          'PRECONDITION_FAILED',
        );
        await expectCode(store.head('dst/stale.bin'), 'NOT_FOUND');
        await expectCode(
          store.copyFrom(same.store, 'src/missing.bin', 'dst/missing.bin', { ifMatch: { size: 1, mtimeMs: 0 }, metadata: { user: {} }, mtimeMs }),
          'NOT_FOUND',
        );
        await expectCode(store.copyFrom(otherAccount, 'src/a b+c.bin', 'dst/x.bin', { ifMatch: versionOf(listed), metadata: { user: {} }, mtimeMs }), 'UNSUPPORTED');
      });

      it('copyPartFrom() assembles a multipart object from ranges of the source', async () => {
        await t.seed([]);
        const store = t.store;
        if (!hasServerSideCopy(store)) throw new Error('no server-side copy');
        const { same } = peers();
        const body = randomBytes(5 * MiB + KiB);
        await same.seed([{ key: 'src/big.bin', body, mtimeMs: SEED_MTIME }]);
        const listed = mustFind(await collect(same.store.list()), 'src/big.bin');
        const uploadId = await store.createMultipart('dst/big.bin', { metadata: { user: { copied: 'parts' } }, mtimeMs: SEED_MTIME });
        const a = await store.copyPartFrom(same.store, 'src/big.bin', 'dst/big.bin', uploadId, 1, { start: 0, end: 5 * MiB - 1 }, versionOf(listed));
        const b = await store.copyPartFrom(same.store, 'src/big.bin', 'dst/big.bin', uploadId, 2, { start: 5 * MiB, end: body.length - 1 }, versionOf(listed));
        expect(a.etag).toBe(md5(body.subarray(0, 5 * MiB)));
        expect(b.etag).toBe(md5(body.subarray(5 * MiB)));
        await expectCode(
          store.copyPartFrom(same.store, 'src/big.bin', 'dst/big.bin', uploadId, 3, { start: 0, end: 9 }, { ...versionOf(listed), etag: md5(Buffer.from('old')) }),
          'PRECONDITION_FAILED',
        );
        const done = await store.completeMultipart('dst/big.bin', uploadId, [
          { partNumber: 1, etag: a.etag },
          { partNumber: 2, etag: b.etag },
        ]);
        expect(done.etag).toBe(multipartEtag([md5(body.subarray(0, 5 * MiB)), md5(body.subarray(5 * MiB))]));
        expect(md5(await readAll((await store.get('dst/big.bin')).body))).toBe(md5(body));
        expect((await store.head('dst/big.bin')).metadata.user).toEqual({ copied: 'parts' });
      });
    });
  });
}
