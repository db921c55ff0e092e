// End to end: `ferry copy` from an ossimport-style HTTP URL list to a Ceph
// bucket through the CLI, with one dead URL among the live ones.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryCli } from '../helpers/ferry-cli.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, listAllKeys, s3Env, testClient, type S3TestEnv } from '../helpers/s3-env.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Served {
  body: Buffer;
  mtimeMs: number;
  contentType: string;
}

/** One line of the list and the object it should become. */
interface Entry {
  /** URL path on the server (decoded). */
  path: string;
  /** Destination key. */
  key: string;
  /** `two`: `http://host/files/   rel/path`; `one`: the full URL. */
  form: 'one' | 'two';
}

interface Summary {
  listed: number;
  copied: number;
  skipped: number;
  failed: number;
  bytesCopied: number;
  skippedByReason: Record<string, number>;
  failures: { key: string; error: string }[];
}

const DEAD_KEY = 'gone/missing file.txt';

describe.skipIf(!hasS3())('ferry copy from an HTTP URL list to Ceph', () => {
  const env = s3Env() as S3TestEnv;
  const files = new Map<string, Served>();
  const entries: Entry[] = [];
  let server: Server;
  let origin = '';
  let bucket = '';
  let cli: FerryCli;

  const add = (entry: Entry, body: Buffer, contentType = 'application/octet-stream'): void => {
    // Whole seconds: Last-Modified has no milliseconds.
    files.set(entry.path, { body, mtimeMs: Date.UTC(2022, 5, 1, 12, 0, entries.length), contentType });
    entries.push(entry);
  };

  beforeAll(async () => {
    // 20 live files in both line forms, names with spaces, unicode and a 3 MiB one.
    for (let i = 0; i < 14; i++) {
      const rel = `plain/f${String(i).padStart(2, '0')}.txt`;
      const two = i % 2 === 0;
      add({ path: `/files/${rel}`, key: two ? rel : `files/${rel}`, form: two ? 'two' : 'one' }, randomBytes(100 + i * 37), 'text/plain');
    }
    add({ path: '/files/sub/name.txt', key: 'sub/name.txt', form: 'two' }, Buffer.from('sub name\n'), 'text/plain');
    add({ path: '/files/dir with space/ünï 文件 🎉.txt', key: 'dir with space/ünï 文件 🎉.txt', form: 'two' }, randomBytes(2048), 'text/plain; charset=utf-8');
    add({ path: '/files/full url/ünï 文件.bin', key: 'files/full url/ünï 文件.bin', form: 'one' }, randomBytes(4096));
    add({ path: '/files/big/3mib.bin', key: 'big/3mib.bin', form: 'two' }, randomBytes(3 * MiB));
    add({ path: '/files/special/a+b&c=d;e.bin', key: 'special/a+b&c=d;e.bin', form: 'two' }, randomBytes(333));
    add({ path: '/files/empty.txt', key: 'empty.txt', form: 'two' }, Buffer.alloc(0), 'text/plain');
    expect(entries).toHaveLength(20);

    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = files.get(path);
      if (file === undefined) {
        res.writeHead(404, { 'content-length': 0 }).end();
        return;
      }
      const headers: Record<string, string | number> = {
        'content-length': file.body.length,
        'last-modified': new Date(file.mtimeMs).toUTCString(),
        etag: `"${md5(file.body)}"`,
        'content-type': file.contentType,
      };
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (range && file.body.length > 0) {
        const start = Number(range[1]);
        const end = Math.min(Number(range[2]), file.body.length - 1);
        const part = file.body.subarray(start, end + 1);
        res.writeHead(206, { ...headers, 'content-length': part.length, 'content-range': `bytes ${start}-${end}/${file.body.length}` });
        res.end(req.method === 'HEAD' ? undefined : part);
        return;
      }
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : file.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const lines = ['# ossimport http list: prefix and relative path, or a full URL'];
    for (const e of entries) {
      if (e.form === 'two') lines.push(`${origin}/files/   ${e.path.slice('/files/'.length)}`);
      else lines.push(`${origin}${e.path.split('/').map(encodeURIComponent).join('/')}`);
    }
    lines.push(`${origin}/files/\t${DEAD_KEY}`);
    const dir = mkdtempSync(join(tmpdir(), 'ferry-httplist-'));
    const listFile = join(dir, 'urls.txt');
    writeFileSync(listFile, `${lines.join('\n')}\n`);

    bucket = await createTestBucket('httplist', 1);
    cli = new FerryCli(undefined, { FERRY_TEST_SECRET_1: env.secretAccessKey });
    await cli.ok(0, 'address', 'add', 'web', '--type', 'http-list', '--list', listFile);
    await cli.ok(0, 'address', 'add', 'dst', '--type', 's3', '--provider', 'ceph', '--endpoint', env.endpoint, '--bucket', bucket,
      '--access-key-id', env.accessKeyId, '--secret-env', 'FERRY_TEST_SECRET_1');
  });

  afterAll(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (bucket) await emptyAndDeleteBucket(bucket, 1);
  });

  const expectDestinationMatches = async (): Promise<void> => {
    const client = testClient(1);
    expect(await listAllKeys(bucket)).toEqual(entries.map((e) => e.key).sort(byteOrder));
    for (const e of entries) {
      const served = files.get(e.path)!;
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: e.key }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      expect(bytes.length, e.key).toBe(served.body.length);
      expect(md5(bytes), e.key).toBe(md5(served.body));
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: e.key }));
      expect(head.ContentType, e.key).toBe(served.contentType);
      expect(head.ETag, e.key).toBe(`"${md5(served.body)}"`);
      // The source's Last-Modified is kept as the mtime.
      expect(Number(head.Metadata?.mtime) * 1000, e.key).toBe(served.mtimeMs);
    }
  };

  it('copies every live URL, fails only the dead one (exit 1), and the bytes match', async () => {
    const r = await cli.run('copy', 'web', 'dst', '--json');
    expect(r.code, r.err).toBe(1);
    const s = r.json<Summary>();
    const totalBytes = entries.reduce((n, e) => n + files.get(e.path)!.body.length, 0);
    expect(s).toMatchObject({ listed: 21, copied: 20, skipped: 0, failed: 1, bytesCopied: totalBytes });
    expect(s.failures).toHaveLength(1);
    expect(s.failures[0]!.key).toBe(DEAD_KEY);
    expect(s.failures[0]!.error).toMatch(/404/);
    await expectDestinationMatches();
  });

  it('a second run copies nothing and fails the dead URL again', async () => {
    const r = await cli.run('copy', 'web', 'dst', '--json');
    expect(r.code, r.err).toBe(1);
    const s = r.json<Summary>();
    expect(s).toMatchObject({ listed: 21, copied: 0, skipped: 20, failed: 1, bytesCopied: 0 });
    expect(s.skippedByReason).toEqual({ unchanged: 20 });
    expect(s.failures.map((f) => f.key)).toEqual([DEAD_KEY]);
    expect(await listAllKeys(bucket)).toHaveLength(20);
  });

  it('copies again a file the server now serves newer (same size), and only that one', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const changed = entries.find((e) => e.key === 'sub/name.txt')!;
    files.set(changed.path, { body: Buffer.from('SUB NAME\n'), mtimeMs: Math.floor(Date.now() / 1000) * 1000, contentType: 'text/plain' });
    const r = await cli.run('copy', 'web', 'dst', '--json');
    expect(r.code, r.err).toBe(1);
    const s = r.json<Summary>();
    expect(s).toMatchObject({ listed: 21, copied: 1, skipped: 19, failed: 1 });
    await expectDestinationMatches();
  });
});
