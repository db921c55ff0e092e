import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, existsSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, emptyAndDeleteBucket, hasS3, listAllKeys, s3Env, testClient, type S3TestEnv } from '../helpers/s3-env.js';
import { cephAddressArgs } from '../helpers/ceph-address.js';
import { startS3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';
import { FerryCli } from '../helpers/ferry-cli.js';

const MiB = 1024 * 1024;

/** A 1,000-byte key in segments a local file system accepts (255 bytes per name). */
const LONG_KEY = (() => {
  const seg = 'L'.repeat(199);
  const k = `long/${seg}/${seg}/${seg}/${seg}/`;
  return k + 'z'.repeat(1000 - Buffer.byteLength(k));
})();

interface Item {
  key: string;
  body: Buffer;
  contentType?: string;
  meta?: Record<string, string>;
  extra?: Record<string, string | Date>;
  storageClass?: string;
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

function dataset(): Item[] {
  const items: Item[] = [
    { key: 'plain.txt', body: Buffer.from('hello ferry\n'), contentType: 'text/plain' },
    { key: 'dir with space/file name.txt', body: randomBytes(1234) },
    { key: 'unicode/中文/ünïcødé 🎉.txt', body: randomBytes(777), contentType: 'text/plain; charset=utf-8' },
    { key: 'special/a+b%c#d?e&f=g;h.bin', body: randomBytes(4096) },
    { key: 'special/percent%20not-a-space', body: randomBytes(10) },
    { key: LONG_KEY, body: randomBytes(100) },
    { key: 'folder/', body: Buffer.alloc(0) },
    { key: 'folder/inner.txt', body: randomBytes(64) },
    { key: 'emptydir/', body: Buffer.alloc(0) },
    { key: 'empty.bin', body: Buffer.alloc(0) },
    {
      key: 'meta/doc.html',
      body: Buffer.from('<html>hi</html>'),
      contentType: 'text/html',
      meta: { owner: 'alice', 'project-id': '42' },
      extra: {
        CacheControl: 'max-age=3600',
        ContentDisposition: 'attachment; filename="doc.html"',
        ContentLanguage: 'en',
        ContentEncoding: 'identity',
        Expires: new Date('2030-01-01T00:00:00Z'),
      },
    },
    { key: 'big/200mib.bin', body: randomBytes(200 * MiB), contentType: 'application/x-big', meta: { kind: 'large' } },
    { key: 'cold/archived.bin', body: randomBytes(100), storageClass: 'GLACIER' },
  ];
  for (let i = 0; i < 40; i++) items.push({ key: `many/${String(i).padStart(3, '0')}.dat`, body: randomBytes(100 + i) });
  return items;
}

async function upload(client: S3Client, bucket: string, item: Item): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: item.key,
      Body: item.body,
      ContentType: item.contentType,
      Metadata: item.meta,
      StorageClass: item.storageClass as never,
      ...item.extra,
    }),
  );
}

async function getBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function headOf(client: S3Client, bucket: string, key: string) {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

/** Asserts that `dstBucket/dstPrefix` holds every non-archived item byte for byte with its metadata. */
async function expectSameObjects(items: Item[], which: 1 | 2, dstBucket: string, dstPrefix = ''): Promise<void> {
  const dst = testClient(which);
  const expected = items.filter((i) => !i.storageClass).map((i) => dstPrefix + i.key).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const keys = await listAllKeys(dstBucket, dstPrefix, which);
  expect(keys).toEqual(expected);
  for (const item of items.filter((i) => !i.storageClass)) {
    const key = dstPrefix + item.key;
    const head = await headOf(dst, dstBucket, key);
    expect(head.ContentLength, key).toBe(item.body.length);
    expect(md5(await getBytes(dst, dstBucket, key)), key).toBe(md5(item.body));
    if (item.contentType) expect(head.ContentType, key).toBe(item.contentType);
    const { mtime, ...userMeta } = head.Metadata ?? {};
    expect(userMeta, key).toEqual(item.meta ?? {});
    expect(mtime, `${key} keeps the source mtime`).toMatch(/^\d+(\.\d+)?$/);
    if (item.extra) {
      expect(head.CacheControl).toBe(item.extra.CacheControl);
      expect(head.ContentDisposition).toBe(item.extra.ContentDisposition);
      expect(head.ContentLanguage).toBe(item.extra.ContentLanguage);
      expect(head.ContentEncoding).toBe(item.extra.ContentEncoding);
      expect(new Date(head.ExpiresString ?? String(head.Expires)).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    }
  }
}

interface Summary {
  listed: number;
  copied: number;
  skipped: number;
  failed: number;
  bytesCopied: number;
  retries: number;
  skippedByReason: Record<string, number>;
  failures: { key: string; error: string }[];
}

describe.skipIf(!hasS3())('ferry copy against Ceph RGW', () => {
  const env = s3Env() as S3TestEnv;
  const items = dataset();
  const c1 = hasS3() ? testClient(1) : (undefined as never as S3Client);
  const c2 = hasS3() ? testClient(2) : (undefined as never as S3Client);
  let srcBucket = '';
  let dstOther = '';
  let dstSame = '';
  let proxy: S3Proxy;
  let cli: FerryCli;

  beforeAll(async () => {
    srcBucket = await createTestBucket('src', 1);
    dstOther = await createTestBucket('dst2', 2);
    dstSame = await createTestBucket('dst1', 1);
    for (const item of items) await upload(c1, srcBucket, item);
    proxy = await startS3Proxy(env.endpoint);
    cli = new FerryCli(undefined, { FERRY_TEST_SECRET_1: env.secretAccessKey, FERRY_TEST_SECRET_2: env.secretAccessKey2 });
    const add = (name: string, endpoint: string, bucket: string, which: 1 | 2) => cli.ok(0, ...cephAddressArgs(env, name, endpoint, bucket, which));
    await add('src', proxy.url, srcBucket, 1);
    await add('other', proxy.url, dstOther, 2);
    await add('same', proxy.url, dstSame, 1);
  });

  afterAll(async () => {
    await proxy?.close();
    for (const [b, which] of [[srcBucket, 1], [dstOther, 2], [dstSame, 1]] as const) if (b) await emptyAndDeleteBucket(b, which);
  });

  it('copies bucket to bucket with other credentials, streamed and verified, keeping metadata', async () => {
    proxy.reset();
    const r = await cli.ok(0, 'copy', 'src', 'other', '--json');
    const s = r.json<Summary>();
    expect(s).toMatchObject({ listed: items.length, copied: items.length - 1, failed: 0, skipped: 1 });
    expect(s.skippedByReason).toEqual({ archived: 1 });
    expect(proxy.counts.copy).toBe(0);
    expect(proxy.counts.get).toBeGreaterThanOrEqual(items.length - 1);
    await expectSameObjects(items, 2, dstOther);
  });

  it('a second run copies nothing and sends no HEAD or GET per object', async () => {
    proxy.reset();
    const s = (await cli.ok(0, 'copy', 'src', 'other', '--json')).json<Summary>();
    expect(s).toMatchObject({ listed: items.length, copied: 0, failed: 0, skipped: items.length });
    expect(proxy.counts.head).toBe(0);
    expect(proxy.counts.get).toBe(0);
    expect(proxy.counts.put + proxy.counts.copy + proxy.counts.post).toBe(0);
    expect(proxy.counts.list).toBeGreaterThanOrEqual(2);
  });

  it('recopies an object changed at the source, even with the same size', async () => {
    const changed = Buffer.from('HELLO FERRY\n');
    await c1.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'plain.txt', Body: changed, ContentType: 'text/plain' }));
    const s = (await cli.ok(0, 'copy', 'src', 'other', '--json')).json<Summary>();
    expect(s.copied).toBe(1);
    expect((await getBytes(c2, dstOther, 'plain.txt')).toString()).toBe('HELLO FERRY\n');
    const item = items.find((i) => i.key === 'plain.txt')!;
    item.body = changed;
  });

  it('copies server-side when both ends share endpoint and credentials', async () => {
    proxy.reset();
    const s = (await cli.ok(0, 'copy', 'src', 'same', '--json')).json<Summary>();
    expect(s).toMatchObject({ copied: items.length - 1, failed: 0 });
    expect(proxy.counts.get).toBe(0);
    expect(proxy.counts.copy).toBe(items.length - 1);
    await expectSameObjects(items, 1, dstSame);
  });

  it('honours --since, --include and --exclude', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const t = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1500));
    await c1.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'many/001.dat', Body: randomBytes(5) }));
    await c1.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'fresh/new.txt', Body: Buffer.from('new') }));
    const since = (await cli.ok(0, 'copy', 'src', 'other:since/', '--since', t, '--json')).json<Summary>();
    expect(since.copied).toBe(2);
    expect(await listAllKeys(dstOther, 'since/', 2)).toEqual(['since/fresh/new.txt', 'since/many/001.dat']);

    const filtered = (await cli.ok(0, 'copy', 'src', 'other:filtered/', '--include', 'many/**', '--include', 'unicode/**', '--exclude', 'many/00*', '--json')).json<Summary>();
    const keys = await listAllKeys(dstOther, 'filtered/', 2);
    expect(keys).toContain('filtered/unicode/中文/ünïcødé 🎉.txt');
    expect(keys.filter((k) => k.startsWith('filtered/many/'))).toHaveLength(30);
    expect(keys.some((k) => k.startsWith('filtered/many/00'))).toBe(false);
    expect(filtered.copied).toBe(31);
    expect(filtered.skippedByReason.filtered).toBeGreaterThan(0);
  });

  it('detects an object rewritten during its copy and copies the new version, never a mix', async () => {
    const before = randomBytes(80 * MiB);
    const after = randomBytes(80 * MiB);
    await c1.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'changing/obj.bin', Body: before }));
    let ranged = 0;
    let rewritten = false;
    proxy.onRequest = async (req) => {
      if (req.kind === 'get' && req.key === 'changing/obj.bin' && req.headers.range && ++ranged === 2 && !rewritten) {
        rewritten = true;
        await c1.send(new PutObjectCommand({ Bucket: srcBucket, Key: 'changing/obj.bin', Body: after }));
      }
    };
    try {
      const s = (await cli.ok(0, 'copy', 'src:changing/', 'other:changing/', '--json')).json<Summary>();
      expect(rewritten).toBe(true);
      expect(s.copied).toBe(1);
      expect(s.retries).toBeGreaterThanOrEqual(1);
      expect(md5(await getBytes(c2, dstOther, 'changing/obj.bin'))).toBe(md5(after));
    } finally {
      proxy.onRequest = undefined;
    }
  });

  it('copies S3 to a local folder and back, and re-runs copy nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-local-'));
    const down = (await cli.ok(0, 'copy', 'src', dir, '--json', '--exclude', 'fresh/**', '--exclude', 'changing/**')).json<Summary>();
    expect(down.failed).toBe(0);
    for (const item of items.filter((i) => !i.storageClass)) {
      const path = join(dir, item.key);
      if (item.key.endsWith('/')) {
        expect(statSync(path).isDirectory(), item.key).toBe(true);
        continue;
      }
      const current = item.key === 'many/001.dat' ? await getBytes(c1, srcBucket, item.key) : item.body;
      expect(md5(readFileSync(path)), item.key).toBe(md5(current));
    }
    const head = await headOf(c1, srcBucket, 'meta/doc.html');
    expect(Math.abs(statSync(join(dir, 'meta/doc.html')).mtimeMs - head.LastModified!.getTime())).toBeLessThan(1000);
    const again = (await cli.ok(0, 'copy', 'src', dir, '--json', '--exclude', 'fresh/**', '--exclude', 'changing/**')).json<Summary>();
    expect(again.copied).toBe(0);

    proxy.reset();
    const up = (await cli.ok(0, 'copy', dir, 'other:fromlocal/', '--json')).json<Summary>();
    expect(up.failed).toBe(0);
    const keys = await listAllKeys(dstOther, 'fromlocal/', 2);
    const expected = items
      .filter((i) => !i.storageClass && (!i.key.endsWith('/') || i.key === 'emptydir/'))
      .map((i) => `fromlocal/${i.key}`)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(keys).toEqual(expected);
    expect(md5(await getBytes(c2, dstOther, 'fromlocal/big/200mib.bin'))).toBe(md5(items.find((i) => i.key === 'big/200mib.bin')!.body));
    const again2 = (await cli.ok(0, 'copy', dir, 'other:fromlocal/', '--json')).json<Summary>();
    expect(again2.copied).toBe(0);

    writeFileSync(join(dir, 'dir with space/file name.txt'), randomBytes(1234));
    const changed = (await cli.ok(0, 'copy', dir, 'other:fromlocal/', '--json')).json<Summary>();
    expect(changed.copied).toBe(1);
  });

  it('a local source file keeps its mtime as metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-mtime-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a/old.txt'), 'old');
    utimesSync(join(dir, 'a/old.txt'), new Date('2020-05-06T07:08:09Z'), new Date('2020-05-06T07:08:09Z'));
    await cli.ok(0, 'copy', dir, 'other:mtime/');
    const head = await headOf(c2, dstOther, 'mtime/a/old.txt');
    expect(Number(head.Metadata?.mtime) * 1000).toBe(Date.parse('2020-05-06T07:08:09Z'));
    expect(existsSync(join(dir, 'a/old.txt'))).toBe(true);
  });

  it('--dry-run lists what would be copied and writes nothing', async () => {
    proxy.reset();
    const r = await cli.ok(0, 'copy', 'src', 'other:dry/', '--dry-run', '--json');
    const s = r.json<Summary & { wouldCopy: number; wouldCopyKeys: { key: string }[] }>();
    expect(s.wouldCopy).toBeGreaterThan(40);
    expect(s.wouldCopyKeys.map((k) => k.key)).toContain('plain.txt');
    expect(proxy.counts.put + proxy.counts.copy + proxy.counts.post).toBe(0);
    expect(await listAllKeys(dstOther, 'dry/', 2)).toEqual([]);
  });

  it('stops at once with a one-line error naming the address when access is denied', async () => {
    await cli.ok(0, 'address', 'add', 'denied', '--type', 's3', '--provider', 'ceph', '--endpoint', env.endpoint, '--bucket', srcBucket,
      '--access-key-id', env.accessKeyId2, '--secret-env', 'FERRY_TEST_SECRET_2');
    const r = await cli.run('copy', 'denied', 'other:denied/');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/address "denied".*AccessDenied/);
    expect(r.err).not.toContain(env.secretAccessKey2);
  });
});
