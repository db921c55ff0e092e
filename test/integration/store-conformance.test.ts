// Runs the one conformance suite (test/helpers/store-conformance.ts) against
// every backend: S3 on the project's Ceph RGW, local disk in both marker
// modes, and HTTP lists served from a node:http server.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { HttpListStore } from '../../src/stores/http-list/index.js';
import { LocalStore } from '../../src/stores/local/index.js';
import { S3Store } from '../../src/stores/s3/index.js';
import type { S3Spec } from '../../src/stores/store-spec.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, listAllKeys, s3Env, testClient, type TestUser } from '../helpers/s3-env.js';
import { describeStoreConformance, type SeedObject, type StoreUnderTest } from '../helpers/store-conformance.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Same-size different bytes: only a checksum can tell the difference. */
function flipped(body: Buffer): Buffer {
  return Buffer.from(body.map((b) => b ^ 0xff));
}

// ---------------------------------------------------------------- S3 (Ceph)

const withS3 = hasS3();
const buckets: { main: string; source: string; other: string } = { main: '', source: '', other: '' };
let s3Count = 0;

function s3Spec(bucket: string, prefix: string, which: TestUser): S3Spec {
  const env = s3Env()!;
  return {
    type: 's3',
    provider: 'ceph',
    endpoint: env.endpoint,
    bucket,
    prefix,
    region: env.region,
    credentials: which === 1 ? { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } : { accessKeyId: env.accessKeyId2, secretAccessKey: env.secretAccessKey2 },
  };
}

function s3Harness(bucket: string, prefix: string, which: TestUser): StoreUnderTest {
  const store = new S3Store(s3Spec(bucket, prefix, which));
  const client = testClient(which);
  const put = (o: SeedObject, body: Buffer = o.body): Promise<unknown> =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + o.key, Body: body, ContentType: o.contentType, Metadata: o.user }));
  const seeded = new Map<string, SeedObject>();
  return {
    store,
    async seed(objects) {
      for (const o of objects) seeded.set(o.key, o);
      await pool(objects, 32, async (o) => void (await put(o)));
    },
    async makeStale(key) {
      const o = seeded.get(key);
      if (!o) throw new Error(`${key} was not seeded`);
      await put(o, flipped(o.body));
    },
    async rawNames() {
      return (await listAllKeys(bucket, prefix, which)).map((k) => k.slice(prefix.length));
    },
    close: () => store.close(),
  };
}

beforeAll(async () => {
  if (!withS3) return;
  buckets.main = await createTestBucket('conf', 1);
  buckets.source = await createTestBucket('conf-src', 1);
  buckets.other = await createTestBucket('conf-other', 2);
  await pool(['conf', 'conf/', 'conf0', 'zzz'], 4, (key) => putDecoy(buckets.main, key));
});

/** An object beside a store's prefix, which its listings must never show. */
async function putDecoy(bucket: string, key: string): Promise<void> {
  await testClient(1).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(`decoy ${key}`) }));
}

afterAll(async () => {
  if (!withS3) return;
  for (const [bucket, which] of [[buckets.main, 1], [buckets.source, 1], [buckets.other, 2]] as const) if (bucket) await emptyAndDeleteBucket(bucket, which);
});

describeStoreConformance(
  's3 (Ceph RGW, prefix conf/tNN/)',
  async () => {
    const id = `t${String(++s3Count).padStart(2, '0')}`;
    // Neighbours of `conf/tNN/` in byte order (`-` < `.` < `/` < `0`).
    await pool([`conf/${id}`, `conf/${id}-x`, `conf/${id}.y/z`, `conf/${id}0/z`], 4, (key) => putDecoy(buckets.main, key));
    const main = s3Harness(buckets.main, `conf/${id}/`, 1);
    const same = s3Harness(buckets.source, `conf/${id}/`, 1);
    const otherAccount = new S3Store(s3Spec(buckets.other, '', 2));
    const foreignDir = await mkdtemp(join(tmpdir(), 'ferry-conf-foreign-'));
    const foreign = new LocalStore({ type: 'local', path: foreignDir, prefix: '' });
    return {
      ...main,
      copyPeers: { same, otherAccount, foreign },
      async close() {
        await Promise.all([main.close(), same.close(), otherAccount.close(), foreign.close()]);
        await rm(foreignDir, { recursive: true, force: true });
      },
    };
  },
  {
    writable: true,
    listedMtime: 'stored',
    dirMarkers: 'explicit',
    markerKeys: true,
    fileAndDirSameName: true,
    md5Etags: true,
    keepsContentType: true,
    keepsUserMetadata: true,
    multipart: true,
    serverSideCopy: true,
    pagingObjects: 1050,
  },
  { skip: !withS3 },
);

// ---------------------------------------------------------------- local disk

/** Every name below `dir`, directories with a trailing `/`, temp files included. */
async function walkNames(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const e of entries) {
    const name = rel + e.name;
    if (e.isDirectory()) names.push(`${name}/`, ...(await walkNames(dir, `${name}/`)));
    else names.push(name);
  }
  return names.sort();
}

function localHarness(markers: 'empty' | 'all'): () => Promise<StoreUnderTest> {
  return async () => {
    const root = await mkdtemp(join(tmpdir(), 'ferry-conf-local-'));
    // The store's prefix is `conf/`; these sit beside it and must never list.
    await writeFile(join(root, 'conf0.txt'), 'decoy');
    await writeFile(join(root, 'conf-x.txt'), 'decoy');
    await mkdir(join(root, 'conf-dir'));
    await writeFile(join(root, 'conf-dir', 'y.txt'), 'decoy');
    const base = join(root, 'conf');
    await mkdir(base);
    const store = new LocalStore({ type: 'local', path: root, prefix: 'conf/' }, { markers });
    return {
      store,
      async seed(objects) {
        for (const o of objects) {
          const path = join(base, o.key);
          if (o.key.endsWith('/')) {
            await mkdir(path, { recursive: true });
          } else {
            await mkdir(join(path, '..'), { recursive: true });
            await writeFile(path, o.body);
          }
          await utimes(path, o.mtimeMs / 1000, o.mtimeMs / 1000);
        }
      },
      async makeStale(key) {
        // Same bytes, new mtime: the version (size + mtime) changed.
        const when = Date.now() / 1000;
        await utimes(join(base, key), when, when);
      },
      rawNames: () => walkNames(base),
      async close() {
        await store.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  };
}

const localTraits = {
  writable: true,
  listedMtime: 'seeded',
  markerKeys: true,
  fileAndDirSameName: false,
  md5Etags: false,
  keepsContentType: false,
  keepsUserMetadata: false,
  multipart: false,
  serverSideCopy: false,
  pagingObjects: 0,
} as const;

describeStoreConformance('local (markers: empty, a source)', localHarness('empty'), { ...localTraits, dirMarkers: 'explicit' });
describeStoreConformance('local (markers: all, a destination)', localHarness('all'), { ...localTraits, dirMarkers: 'all' });

// ---------------------------------------------------------------- HTTP list

interface ServedFile {
  body: Buffer;
  mtimeMs: number;
  contentType: string | undefined;
}

/** A static file server with HEAD, Range, Content-Length, Last-Modified and MD5 ETags. */
function serveFiles(files: Map<string, ServedFile>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, { 'content-length': 0 }).end();
      return;
    }
    const file = files.get(path);
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(file === undefined ? 404 : 405, { 'content-length': 0 }).end();
      return;
    }
    const size = file.body.length;
    const headers: Record<string, string | number> = {
      'last-modified': new Date(file.mtimeMs).toUTCString(),
      etag: `"${md5(file.body)}"`,
      'content-type': file.contentType ?? 'application/octet-stream',
      'accept-ranges': 'bytes',
    };
    let body = file.body;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      if (start >= size) {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
        return;
      }
      const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
      body = file.body.subarray(start, end + 1);
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = body.length;
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** A one-column list line: the full URL, each path segment escaped. */
function fullUrl(origin: string, key: string): string {
  return `${origin}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function httpHarness(): Promise<StoreUnderTest> {
  const files = new Map<string, ServedFile>();
  const server: Server = createServer(serveFiles(files));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'ferry-conf-http-'));
  const listFile = join(dir, 'urls.txt');
  // Entries beside the store's prefix `conf/`: never listed, never fetched.
  const lines = ['# ossimport http list', `${origin}/   conf0.txt`, `${fullUrl(origin, 'conf-x/y.txt')}`];
  await writeFile(listFile, `${lines.join('\n')}\n`);
  const store = new HttpListStore({ type: 'http-list', list: listFile, prefix: 'conf/' });
  return {
    store,
    async seed(objects) {
      objects.forEach((o, i) => {
        const key = `conf/${o.key}`;
        files.set(`/${key}`, { body: o.body, mtimeMs: o.mtimeMs, contentType: o.contentType });
        // Mix both line forms; a key with a literal `%XX` needs the escaped full URL
        // (two-column paths keep `%XX` as an escape, as a browser would).
        const oneColumn = /%[0-9A-Fa-f]{2}/.test(o.key) || i % 3 === 2;
        lines.push(oneColumn ? fullUrl(origin, key) : `${origin}/ \t ${key}`);
      });
      await writeFile(listFile, `\uFEFF${lines.join('\r\n')}\r\n`);
    },
    async makeStale(key) {
      const file = files.get(`/conf/${key}`);
      if (!file) throw new Error(`${key} is not served`);
      files.set(`/conf/${key}`, { ...file, body: flipped(file.body), mtimeMs: file.mtimeMs + 60_000 });
    },
    async close() {
      await store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeStoreConformance('http-list (read-only)', httpHarness, {
  writable: false,
  listedMtime: 'seeded',
  dirMarkers: 'explicit',
  markerKeys: false,
  fileAndDirSameName: true,
  md5Etags: true,
  keepsContentType: true,
  keepsUserMetadata: false,
  multipart: false,
  serverSideCopy: false,
  pagingObjects: 0,
});
