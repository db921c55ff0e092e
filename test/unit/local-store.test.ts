import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../src/core/index.js';
import { LocalStore, type LocalStoreOptions } from '../../src/stores/local/index.js';
import type { ListOptions } from '../../src/stores/object-store.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-local-'));
  root = join(base, 'root');
  await mkdir(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function store(options: LocalStoreOptions & { prefix?: string; path?: string } = {}): LocalStore {
  return new LocalStore({ type: 'local', path: options.path ?? root, prefix: options.prefix ?? '' }, options);
}

async function list(s: LocalStore, options?: ListOptions): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of s.list(options)) out.push(info);
  return out;
}

async function keys(s: LocalStore, options?: ListOptions): Promise<string[]> {
  return (await list(s, options)).map((i) => i.key);
}

async function touch(rel: string, content = rel): Promise<void> {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

function byteOrder(list: string[]): string[] {
  return [...list].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

function body(content: string | Buffer): Readable {
  return Readable.from([Buffer.from(content)]);
}

function md5(content: string | Buffer): string {
  return createHash('md5').update(content).digest('hex');
}

async function treeOf(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

async function rejectCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { code: string }).code;
  }
  throw new Error('expected a rejection');
}

// Names whose UTF-16 order differs from UTF-8 byte order, and `/` vs `-`, `.`, `0`.
const TRICKY = [
  'a-b',
  'a.txt',
  'a/b',
  'a/c d',
  'a0',
  'ab',
  'with space.txt',
  'é.txt',
  '中/文.txt',
  '\uff61.txt',
  '😀.txt',
  'Z',
  '~',
  'deep/x/y/z.bin',
];

describe('LocalStore list order', () => {
  it('lists files in byte-wise UTF-8 key order', async () => {
    for (const name of byteOrder(TRICKY).toReversed()) await touch(name);
    const listed = await keys(store());
    expect(listed).toEqual(byteOrder(TRICKY));
    // Same as UTF-8 byte order, which differs from JS string order here.
    expect(listed).not.toEqual([...TRICKY].sort());
  });

  it('reports size, mtime and ctime, without etag', async () => {
    await touch('f.txt', 'hello');
    await utimes(join(root, 'f.txt'), 1_600_000_000, 1_600_000_000.5);
    const [info] = await list(store());
    expect(info).toMatchObject({ key: 'f.txt', size: 5, mtimeMs: 1_600_000_000_500 });
    expect(info?.etag).toBeUndefined();
    expect(info?.storedMs).toBeGreaterThan(1_600_000_000_500);
  });

  it('honours startAfter at every position, present or not', async () => {
    for (const name of TRICKY) await touch(name);
    await mkdir(join(root, 'empty'));
    const s = store({ markers: 'all' });
    const all = await keys(s);
    const probes = [...all, '', 'a', 'a/', 'a/bb', 'a/z', 'b', 'deep/', 'deep/x', 'zz', '\uffff', '😀.txt0'];
    for (const startAfter of probes) {
      const expected = all.filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(startAfter)) > 0);
      expect(await keys(s, { startAfter }), `startAfter ${startAfter}`).toEqual(expected);
    }
  });

  it('filters by a list prefix that may end mid-name', async () => {
    for (const name of TRICKY) await touch(name);
    const s = store({ markers: 'all' });
    const all = await keys(s);
    for (const prefix of ['a', 'a/', 'a-', 'a/c', '中/', 'deep/x/', 'nope/', 'nope', 'deep/../']) {
      const expected = prefix.includes('..') ? [] : all.filter((k) => k.startsWith(prefix));
      expect(await keys(s, { prefix }), `prefix ${prefix}`).toEqual(expected);
    }
    expect(await keys(s, { prefix: 'a', startAfter: 'a.txt' })).toEqual(['a/', 'a/b', 'a/c d', 'a0', 'ab']);
  });
});

describe('LocalStore store prefix', () => {
  it('roots keys at path + prefix, stripping the prefix as S3 does', async () => {
    for (const name of ['photos/2024-01.jpg', 'photos/2024/x.jpg', 'photos/2023.jpg', 'photos/20240.jpg', 'other.jpg']) await touch(name);
    expect(await keys(store({ prefix: 'photos/2024' }))).toEqual(['-01.jpg', '/x.jpg', '0.jpg']);
    expect(await keys(store({ prefix: 'photos/' }))).toEqual(['2023.jpg', '2024-01.jpg', '2024/x.jpg', '20240.jpg']);
    expect(await keys(store({ prefix: 'photos/', markers: 'all' }), { startAfter: '2024-01.jpg' })).toEqual(['2024/', '2024/x.jpg', '20240.jpg']);
  });

  it('writes and reads below the prefix', async () => {
    const s = store({ prefix: 'photos/' });
    await s.put('new.jpg', body('jpg'), { size: 3, metadata: { user: {} }, mtimeMs: 1_000 });
    expect(await readFile(join(root, 'photos/new.jpg'), 'utf8')).toBe('jpg');
    expect((await s.head('new.jpg')).metadata.contentType).toBe('image/jpeg');
  });

  it('refuses a prefix that leaves the directory', () => {
    expect(() => store({ prefix: '../up/' })).toThrow(expect.objectContaining({ code: 'CONFIG' }));
  });
});

describe('LocalStore directories and special entries', () => {
  it("lists only empty directories as markers in 'empty' mode, every one in 'all' mode", async () => {
    await touch('a/b');
    await mkdir(join(root, 'a/empty'), { recursive: true });
    await mkdir(join(root, 'e'));
    expect(await keys(store())).toEqual(['a/b', 'a/empty/', 'e/']);
    expect(await keys(store({ markers: 'all' }))).toEqual(['a/', 'a/b', 'a/empty/', 'e/']);
    const marker = (await list(store())).find((i) => i.key === 'e/');
    expect(marker?.size).toBe(0);
  });

  it('hides temp files, follows file symlinks, skips directory symlinks', async () => {
    await touch('real/f.txt');
    await touch('.ferry-tmp-deadbeef', 'partial');
    await symlink(join(root, 'real/f.txt'), join(root, 'link.txt'));
    await symlink(join(root, 'real'), join(root, 'linkdir'));
    await symlink(join(root, 'missing'), join(root, 'dangling'));
    expect(await keys(store())).toEqual(['link.txt', 'real/f.txt']);
  });

  it('skips names that are not UTF-8 and reports them', async () => {
    await touch('ok.txt');
    await writeFile(Buffer.concat([Buffer.from(`${root}/bad`), Buffer.from([0xff])]), 'x');
    const s = store();
    expect(await keys(s)).toEqual(['ok.txt']);
    expect(s.listWarnings).toHaveLength(1);
    expect(s.listWarnings[0]?.code).toBe('INVALID_KEY');
    // Reported only where it would have been listed.
    const scoped = store();
    expect(await keys(scoped, { prefix: 'ok' })).toEqual(['ok.txt']);
    expect(await keys(scoped, { startAfter: 'c' })).toEqual(['ok.txt']);
    expect(scoped.listWarnings).toEqual([]);
  });

  it('lists nothing for a missing root and fails on a root that is a file', async () => {
    expect(await keys(store({ path: join(base, 'missing') }))).toEqual([]);
    await writeFile(join(base, 'file'), 'x');
    await expect(keys(store({ path: join(base, 'file') }))).rejects.toMatchObject({ code: 'CONFIG', fatal: true });
  });
});

describe('LocalStore put', () => {
  it('round-trips bytes, keeps the mtime and returns the MD5', async () => {
    const s = store();
    const content = Buffer.alloc(700_000, 'xyz');
    const mtimeMs = 1_600_000_000_123;
    const result = await s.put('dir/sub/file.bin', body(content), { size: content.length, metadata: { user: {} }, mtimeMs });
    expect(result.md5).toBe(md5(content));
    const head = await s.head('dir/sub/file.bin');
    expect(head).toMatchObject({ key: 'dir/sub/file.bin', size: content.length, mtimeMs });
    expect(head.metadata.user).toEqual({});
    const [listed] = await list(s, { prefix: 'dir/sub/' });
    expect(listed).toMatchObject({ size: content.length, mtimeMs });
    const got = await s.get('dir/sub/file.bin', { ifMatch: { size: content.length, mtimeMs } });
    expect(got.length).toBe(content.length);
    // Buffer#equals: a deep toEqual over 700 kB takes seconds.
    expect(Buffer.concat(await got.body.toArray()).equals(content)).toBe(true);
  });

  it('replaces an existing file', async () => {
    const s = store();
    await touch('f', 'old content');
    await s.put('f', body('new'), { size: 3, metadata: { user: {} }, mtimeMs: 5_000 });
    expect(await readFile(join(root, 'f'), 'utf8')).toBe('new');
  });

  it('never shows the temp file in a listing while writing', async () => {
    const s = store();
    const source = new PassThrough();
    const done = s.put('slow.txt', source, { size: 6, metadata: { user: {} }, mtimeMs: 1_000 });
    source.write('abc');
    while (!(await readdir(root)).some((n) => n.startsWith('.ferry-tmp-'))) await sleep(5);
    expect(await keys(s)).toEqual([]);
    source.end('def');
    await done;
    expect(await keys(s)).toEqual(['slow.txt']);
    expect(await readdir(root)).toEqual(['slow.txt']);
  });

  it.each(['../x', '/abs', 'a/../b', 'a\0b', 'a//b', './a', '.ferry-tmp-1'])('refuses key %j and writes nothing', async (key) => {
    const code = await rejectCode(store().put(key, body('x'), { size: 1, metadata: { user: {} }, mtimeMs: 0 }));
    expect(code).toBe('INVALID_KEY');
    expect(await treeOf(base)).toEqual(['root']);
  });

  it('leaves no file and no temp file when the body fails midway', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('first part');
      throw new Error('source went away');
    }
    await expect(store().put('broken.txt', Readable.from(failing()), { size: 100, metadata: { user: {} }, mtimeMs: 0 })).rejects.toThrow('source went away');
    expect(await readdir(root)).toEqual([]);
  });

  it('fails VERIFY_FAILED when the body is shorter or longer than the size', async () => {
    const s = store();
    expect(await rejectCode(s.put('short', body('12345'), { size: 10, metadata: { user: {} }, mtimeMs: 0 }))).toBe('VERIFY_FAILED');
    expect(await rejectCode(s.put('long', body('12345'), { size: 2, metadata: { user: {} }, mtimeMs: 0 }))).toBe('VERIFY_FAILED');
    expect(await readdir(root)).toEqual([]);
  });

  it('stops and cleans up when aborted', async () => {
    const abort = new AbortController();
    const source = new PassThrough();
    const done = store().put('aborted', source, { size: 10, metadata: { user: {} }, mtimeMs: 0, signal: abort.signal });
    source.write('abc');
    await sleep(20);
    abort.abort(new Error('cancelled'));
    await expect(done).rejects.toThrow('cancelled');
    expect(await readdir(root)).toEqual([]);
  });

  it('creates directory markers and refuses files and directories in each other’s way', async () => {
    const s = store();
    await s.put('d/e/', body(''), { size: 0, metadata: { user: {} }, mtimeMs: 1_500_000_000_000 });
    expect((await stat(join(root, 'd/e'))).isDirectory()).toBe(true);
    expect(await s.head('d/e/')).toMatchObject({ size: 0, mtimeMs: 1_500_000_000_000 });

    await touch('file', 'x');
    expect(await rejectCode(s.put('file/', body(''), { size: 0, metadata: { user: {} }, mtimeMs: 0 }))).toBe('INVALID_KEY');
    expect(await rejectCode(s.put('full/', body('abc'), { size: 3, metadata: { user: {} }, mtimeMs: 0 }))).toBe('INVALID_KEY');
    expect(await rejectCode(s.put('file/child', body('x'), { size: 1, metadata: { user: {} }, mtimeMs: 0 }))).toBe('INVALID_KEY');
    expect(await rejectCode(s.put('d/e', body('x'), { size: 1, metadata: { user: {} }, mtimeMs: 0 }))).toBe('INVALID_KEY');
    expect(await treeOf(root)).toEqual(['d', 'd/e', 'file']);
  });
});

describe('LocalStore get and head', () => {
  it('reads a byte range and clamps its end', async () => {
    await touch('r.txt', '0123456789');
    const s = store();
    const got = await s.get('r.txt', { range: { start: 2, end: 5 } });
    expect(got.length).toBe(4);
    expect(Buffer.concat(await got.body.toArray()).toString()).toBe('2345');
    const tail = await s.get('r.txt', { range: { start: 8, end: 100 } });
    expect(Buffer.concat(await tail.body.toArray()).toString()).toBe('89');
    expect(await rejectCode(s.get('r.txt', { range: { start: 10, end: 12 } }))).toBe('INVALID_ARGUMENT');
  });

  it('gives NOT_FOUND for missing files, directories read as files and temp names', async () => {
    await touch('d/f');
    const s = store();
    expect(await rejectCode(s.head('missing'))).toBe('NOT_FOUND');
    expect(await rejectCode(s.head('d'))).toBe('NOT_FOUND');
    expect(await rejectCode(s.get('d'))).toBe('NOT_FOUND');
    expect(await rejectCode(s.head('d/f/'))).toBe('NOT_FOUND');
    expect(await rejectCode(s.get('d/f/x'))).toBe('NOT_FOUND');
    expect((await s.head('d/f')).metadata.contentType).toBe('application/octet-stream');
  });

  it('fails PRECONDITION_FAILED when size or mtime differ from the listed version', async () => {
    await touch('v.txt', 'abc');
    const s = store();
    const [info] = await list(s);
    if (info === undefined) throw new Error('not listed');
    expect(await rejectCode(s.get('v.txt', { ifMatch: { size: 4, mtimeMs: info.mtimeMs } }))).toBe('PRECONDITION_FAILED');
    expect(await rejectCode(s.get('v.txt', { ifMatch: { size: 3, mtimeMs: info.mtimeMs + 1 } }))).toBe('PRECONDITION_FAILED');
    const ok = await s.get('v.txt', { ifMatch: { size: 3, mtimeMs: info.mtimeMs } });
    expect(Buffer.concat(await ok.body.toArray()).toString()).toBe('abc');
  });

  it('fails the stream with SOURCE_CHANGED when the file changes while read', async () => {
    await touch('grow.txt', 'x'.repeat(1000));
    const s = store();
    const grown = await s.get('grow.txt');
    await appendFile(join(root, 'grow.txt'), 'more');
    await expect(grown.body.toArray()).rejects.toMatchObject({ code: 'SOURCE_CHANGED', retryable: true });

    await touch('touched.txt', 'same size');
    const touched = await s.get('touched.txt');
    await utimes(join(root, 'touched.txt'), 1_000, 1_000);
    await expect(touched.body.toArray()).rejects.toMatchObject({ code: 'SOURCE_CHANGED' });
  });
});
