import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../src/core/index.js';
import { HttpListStore, entryUrl, parseListLine } from '../../src/stores/http-list/index.js';
import type { ListOptions } from '../../src/stores/object-store.js';

const LAST_MODIFIED = 'Wed, 01 Jan 2020 00:00:00 GMT';
const LAST_MODIFIED_MS = Date.parse(LAST_MODIFIED);

interface Served {
  body: Buffer;
  etag?: string;
  headRefused?: boolean;
  ignoresRange?: boolean;
  encoding?: string;
  /** Bytes actually sent before the connection drops. */
  cutAt?: number;
  /** Answers 503 this many times first. */
  failFirst?: number;
}

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const gz = gzipSync(Buffer.from('console.log("compressed on disk");'.repeat(20)));

const FILES: Record<string, Served> = {
  '/files/a.txt': { body: Buffer.from('alpha'), etag: `"${md5('alpha')}"` },
  '/files/dir/b c.txt': { body: Buffer.from('bravo charlie'), etag: 'W/"5-abc"' },
  '/files/é/中.txt': { body: Buffer.from('unicode path') },
  '/files/😀.txt': { body: Buffer.from('emoji') },
  '/files/｡.txt': { body: Buffer.from('halfwidth stop') },
  '/files/nohead.bin': { body: Buffer.from('0123456789abcdefghij'), headRefused: true },
  '/files/norange.txt': { body: Buffer.from('0123456789'), ignoresRange: true },
  '/files/gz.js': { body: gz, encoding: 'gzip' },
  '/files/empty.txt': { body: Buffer.alloc(0) },
  '/files/truncated.bin': { body: Buffer.alloc(100, 1), cutAt: 10 },
  '/files/flaky.txt': { body: Buffer.from('flaky'), failFirst: 1 },
};

const failures = new Map<string, number>();

function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  if (path === '/old.txt') {
    res.writeHead(301, { location: '/files/a.txt' }).end();
    return;
  }
  if (path === '/files/secret.txt') {
    res.writeHead(403).end();
    return;
  }
  const file = FILES[path];
  if (file === undefined) {
    res.writeHead(404).end();
    return;
  }
  const failed = failures.get(path) ?? 0;
  if (failed < (file.failFirst ?? 0)) {
    failures.set(path, failed + 1);
    res.writeHead(503).end();
    return;
  }
  if (req.method === 'HEAD' && file.headRefused) {
    res.writeHead(405).end();
    return;
  }
  const headers: Record<string, string | number> = { 'last-modified': LAST_MODIFIED, 'content-type': 'text/plain' };
  if (file.etag !== undefined) headers.etag = file.etag;
  if (file.encoding !== undefined) headers['content-encoding'] = file.encoding;
  const size = file.body.length;
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  let body = file.body;
  let status = 200;
  if (range !== null && !file.ignoresRange) {
    const start = Number(range[1]);
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    const end = Math.min(Number(range[2]), size - 1);
    body = file.body.subarray(start, end + 1);
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
    status = 206;
  }
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
  } else if (file.cutAt !== undefined) {
    res.write(body.subarray(0, file.cutAt), () => res.socket?.destroy());
  } else {
    res.end(body);
  }
}

let server: Server;
let connections = 0;
let dir: string;
let origin: string;
let listPath: string;

beforeAll(async () => {
  server = createServer(serve);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  dir = await mkdtemp(join(tmpdir(), 'ferry-http-list-'));
  listPath = join(dir, 'http.list');
  // Unsorted, CRLF, comments, blank lines, a prefix without scheme, one-column URLs.
  const lines = [
    '# ossimport http list',
    `127.0.0.1:${port}/files/   dir/b c.txt`,
    `${origin}/files/%C3%A9/%E4%B8%AD.txt`,
    '',
    `${origin}/files/\ta.txt`,
    `${origin}/files/ missing.txt`,
    `${origin}/files/ nohead.bin`,
    `${origin}/ old.txt`,
    `${origin}/files/ norange.txt`,
    `${origin}/files/ gz.js`,
    `${origin}/files/ empty.txt`,
    `${origin}/files/ secret.txt`,
    `${origin}/files/ truncated.bin`,
    `${origin}/files/ flaky.txt`,
    `${origin}/files/%F0%9F%98%80.txt`,
    `${origin} files/｡.txt`,
    '   # indented comment',
  ];
  await writeFile(listPath, `\uFEFF${lines.join('\r\n')}\r\n`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function open(prefix = ''): HttpListStore {
  return new HttpListStore({ type: 'http-list', list: listPath, prefix }, { headConcurrency: 4 });
}

async function list(store: HttpListStore, options?: ListOptions): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const info of store.list(options)) out.push(info);
  return out;
}

async function read(store: HttpListStore, key: string, options?: Parameters<HttpListStore['get']>[1]): Promise<Buffer> {
  const { body, length } = await store.get(key, options);
  const bytes = Buffer.concat(await body.toArray());
  expect(bytes.length).toBe(length);
  return bytes;
}

const byteOrder = (keys: string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('HttpListStore list', () => {
  it('lists in byte-wise key order with sizes, times and MD5 ETags, reporting dead URLs', async () => {
    const store = open();
    try {
      const listed = await list(store);
      const expected = byteOrder([
        'a.txt',
        'dir/b c.txt',
        'empty.txt',
        'files/é/中.txt',
        'files/｡.txt',
        'files/😀.txt',
        'flaky.txt',
        'gz.js',
        'nohead.bin',
        'norange.txt',
        'old.txt',
        'truncated.bin',
      ]);
      expect(listed.map((i) => i.key)).toEqual(expected);
      // UTF-8 order differs from JS string order for the emoji vs U+FF61.
      expect(listed.map((i) => i.key)).not.toEqual([...expected].sort());

      const byKey = new Map(listed.map((i) => [i.key, i]));
      expect(byKey.get('a.txt')).toEqual({ key: 'a.txt', size: 5, mtimeMs: LAST_MODIFIED_MS, etag: md5('alpha') });
      expect(byKey.get('dir/b c.txt')).toMatchObject({ size: 13, etag: undefined });
      expect(byKey.get('nohead.bin')?.size).toBe(20);
      expect(byKey.get('empty.txt')?.size).toBe(0);
      expect(byKey.get('gz.js')?.size).toBe(gz.length);
      expect(byKey.get('old.txt')?.size).toBe(5);
      expect(byKey.get('flaky.txt')?.size).toBe(5);
      expect(byKey.get('files/é/中.txt')?.size).toBe(12);

      expect(store.listWarnings.map((w) => [w.key, w.code])).toEqual([
        ['missing.txt', 'NOT_FOUND'],
        ['secret.txt', 'ACCESS_DENIED'],
      ]);
      expect(store.listWarnings[0]?.error).toContain('404');
    } finally {
      await store.close();
    }
  });

  it('honours startAfter and prefix, and strips the store prefix', async () => {
    const store = open();
    try {
      expect((await list(store, { startAfter: 'nohead.bin' })).map((i) => i.key)).toEqual(['norange.txt', 'old.txt', 'truncated.bin']);
      expect((await list(store, { prefix: 'files/' })).map((i) => i.key)).toEqual(byteOrder(['files/é/中.txt', 'files/｡.txt', 'files/😀.txt']));
      expect((await list(store, { prefix: 'files/', startAfter: 'files/é/中.txt' })).map((i) => i.key)).toEqual(['files/｡.txt', 'files/😀.txt']);
    } finally {
      await store.close();
    }
    const rooted = open('files/');
    try {
      expect((await list(rooted)).map((i) => i.key)).toEqual(byteOrder(['é/中.txt', '｡.txt', '😀.txt']));
      expect((await read(rooted, '😀.txt')).toString()).toBe('emoji');
      await expect(rooted.get('a.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await rooted.close();
    }
  });
});

describe('HttpListStore get and head', () => {
  let store: HttpListStore;
  beforeAll(() => {
    store = open();
  });
  afterAll(() => store.close());

  it('reads whole objects, following redirects and keeping encoded bytes as stored', async () => {
    expect((await read(store, 'a.txt')).toString()).toBe('alpha');
    expect((await read(store, 'dir/b c.txt')).toString()).toBe('bravo charlie');
    expect((await read(store, 'files/é/中.txt')).toString()).toBe('unicode path');
    expect((await read(store, 'old.txt')).toString()).toBe('alpha');
    expect((await read(store, 'empty.txt')).length).toBe(0);
    const zipped = await store.get('gz.js');
    expect(zipped.head.metadata.contentEncoding).toBe('gzip');
    expect(Buffer.concat(await zipped.body.toArray()).equals(gz)).toBe(true);
  });

  it('reuses keep-alive connections for whole and ranged reads', async () => {
    await read(store, 'a.txt');
    const before = connections;
    for (let i = 0; i < 5; i++) {
      await read(store, 'a.txt');
      await read(store, 'nohead.bin', { range: { start: 1, end: 2 } });
      await read(store, 'empty.txt');
    }
    expect(connections).toBe(before);
  });

  it('reads byte ranges, also from a server that ignores Range', async () => {
    expect((await read(store, 'nohead.bin', { range: { start: 5, end: 9 } })).toString()).toBe('56789');
    expect((await read(store, 'norange.txt', { range: { start: 2, end: 4 } })).toString()).toBe('234');
    expect((await read(store, 'norange.txt', { range: { start: 7, end: 50 } })).toString()).toBe('789');
  });

  it('heads with a fallback for servers that refuse HEAD', async () => {
    const head = await store.head('nohead.bin');
    expect(head).toMatchObject({ key: 'nohead.bin', size: 20, mtimeMs: LAST_MODIFIED_MS });
    expect(head.metadata.contentType).toBe('text/plain');
    expect(head.metadata.user).toEqual({});
  });

  it('maps failures to error codes', async () => {
    await expect(store.get('missing.txt')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    await expect(store.head('secret.txt')).rejects.toMatchObject({ code: 'ACCESS_DENIED', fatal: false });
    await expect(store.get('not-in-list.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const cut = await store.get('truncated.bin');
    await expect(cut.body.toArray()).rejects.toMatchObject({ code: 'NETWORK', retryable: true });
  });

  it('checks the listed version against the response', async () => {
    const listed = { size: 5, mtimeMs: LAST_MODIFIED_MS, etag: md5('alpha') };
    expect((await read(store, 'a.txt', { ifMatch: listed })).toString()).toBe('alpha');
    await expect(store.get('a.txt', { ifMatch: { ...listed, size: 6 } })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(store.get('a.txt', { ifMatch: { ...listed, mtimeMs: 1 } })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(store.get('a.txt', { ifMatch: { ...listed, etag: md5('other') } })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(store.get('nohead.bin', { range: { start: 0, end: 3 }, ifMatch: { size: 21, mtimeMs: LAST_MODIFIED_MS } })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
  });
});

describe('list file parsing', () => {
  const url = (line: string): [string, string] | undefined => {
    const entry = parseListLine(line);
    return entry && [entry.key, entryUrl(entry)];
  };

  it('follows the ossimport examples', () => {
    expect(url('127.0.0.1/aa/              bb.jpg')).toEqual(['bb.jpg', 'http://127.0.0.1/aa/bb.jpg']);
    expect(url('127.0.0.1/                   aa/bb.jpg')).toEqual(['aa/bb.jpg', 'http://127.0.0.1/aa/bb.jpg']);
  });

  it('joins, escapes and decodes as documented', () => {
    expect(url('example.com a.jpg')).toEqual(['a.jpg', 'http://example.com/a.jpg']);
    expect(url('https://h/p /x/y.jpg')).toEqual(['x/y.jpg', 'https://h/p/x/y.jpg']);
    expect(url('http://h/p/ a b#1%20x?.jpg')).toEqual(['a b#1%20x?.jpg', 'http://h/p/a%20b%231%20x%3F.jpg']);
    expect(url('http://h/p/ 中 100%.txt')).toEqual(['中 100%.txt', 'http://h/p/%E4%B8%AD%20100%25.txt']);
    expect(url('http://h/a%20b/%E4%B8%AD.jpg?v=1')).toEqual(['a b/中.jpg', 'http://h/a%20b/%E4%B8%AD.jpg?v=1']);
    expect(url('  # comment')).toBeUndefined();
    expect(url('   ')).toBeUndefined();
  });

  it.each([
    ['ftp://h/ a.txt', /scheme ftp/],
    ['http://h/', /key would be empty/],
    ['http://h/dir/', /names a directory/],
    ['http://h/%E4%B8 ', /malformed|not a valid URL/],
    ['http://h/bad%ZZ%E4', /malformed/],
    ['http://h/ a/../b', /\.\. segments/],
    ['http:// a.txt', /not a valid URL|no host/],
  ])('rejects %j', (line, why) => {
    expect(() => parseListLine(line)).toThrow(why);
  });

  it('names the file and line of a malformed entry', async () => {
    const bad = join(dir, 'bad.list');
    await writeFile(bad, `${origin}/files/ a.txt\n# fine\nftp://host/ a.txt\n`);
    const store = new HttpListStore({ type: 'http-list', list: bad, prefix: '' });
    await expect(list(store)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/bad\.list line 3: .*ftp/) });
    await store.close();
    const missing = new HttpListStore({ type: 'http-list', list: join(dir, 'nope.list'), prefix: '' });
    await expect(missing.head('a')).rejects.toMatchObject({ code: 'USAGE' });
  });
});
