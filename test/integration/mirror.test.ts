// ferry mirror against the real Ceph RGW, with the AWS SDK v3 as the client:
// the source bucket sits behind the counting proxy (so a test can tell how
// many times the mirror read it), the destination bucket is reached directly.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMirror, type RunningMirror } from '../../src/mirror/index.js';
import type { S3Spec } from '../../src/stores/index.js';
import { waitFor } from '../helpers/job-db.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, listAllKeys, putObject, s3Env, testClient, type S3TestEnv } from '../helpers/s3-env.js';
import { startS3Proxy, type S3Proxy } from '../helpers/s3-proxy.js';

const MiB = 1024 * 1024;
const MIRROR_KEY = { accessKeyId: 'MIRRORTESTKEY', secretAccessKey: 'mirror-test-secret-0123456789abcdef' };
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** The SDK as an application would configure it (default checksum settings), pointed at the mirror. */
function mirrorClient(url: string, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: MIRROR_KEY, maxAttempts: 1, ...extra });
}

async function bytesOf(client: S3Client, bucket: string, key: string, range?: string): Promise<{ body: Buffer; out: Awaited<ReturnType<S3Client['send']>> & Record<string, unknown> }> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
  return { body: Buffer.from(await out.Body!.transformToByteArray()), out: out as never };
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the request to fail');
}

function gets(proxy: S3Proxy, key: string): number {
  return proxy.requests.filter((r) => r.kind === 'get' && r.key === key).length;
}

describe.skipIf(!hasS3())('ferry mirror (back-to-origin) on Ceph RGW', () => {
  let env: S3TestEnv;
  let srcBucket: string;
  let dstBucket: string;
  let proxy: S3Proxy;
  let mirror: RunningMirror;
  let client: S3Client;
  const logs: string[] = [];
  const data = {
    page: Buffer.from('<html>the source page</html>'),
    hitSrc: Buffer.from('old version at the source'),
    hitDst: Buffer.from('migrated version at the destination'),
    ranged: randomBytes(3 * MiB + 17),
    hot: randomBytes(12 * MiB + 5),
    big: randomBytes(70 * MiB + 3),
    copyme: randomBytes(5000),
    doomed: Buffer.from('deleted during the switchover'),
  };

  beforeAll(async () => {
    env = s3Env()!;
    srcBucket = await createTestBucket('mirror-src', 1);
    dstBucket = await createTestBucket('mirror-dst', 2);
    await putObject(srcBucket, 'site/page.html', data.page, {
      ContentType: 'text/html; charset=utf-8',
      CacheControl: 'max-age=60',
      ContentDisposition: 'inline',
      Metadata: { owner: 'alice', 'project-id': '42' },
    });
    await putObject(srcBucket, 'hit.txt', data.hitSrc);
    await putObject(dstBucket, 'hit.txt', data.hitDst, { ContentType: 'text/plain' });
    await putObject(dstBucket, 'site/dst-only.txt', Buffer.from('written at the destination'));
    await putObject(srcBucket, 'ranged.bin', data.ranged);
    await putObject(srcBucket, 'hot.bin', data.hot);
    await putObject(srcBucket, 'big.bin', data.big, { ContentType: 'application/x-big' });
    await putObject(srcBucket, 'copy/me.bin', data.copyme, { Metadata: { tag: 'copied' } });
    await putObject(srcBucket, 'doomed.txt', data.doomed);
    await putObject(srcBucket, 'cond.txt', Buffer.from('only at the source'));
    for (let i = 0; i < 5; i++) await putObject(srcBucket, `many/${i}.txt`, Buffer.from(`src ${i}`));
    for (let i = 3; i < 8; i++) await putObject(dstBucket, `many/${i}.txt`, Buffer.from(`dst ${i}`));
    await putObject(srcBucket, 'cold/archived.bin', Buffer.from('frozen'), { StorageClass: 'GLACIER' });

    proxy = await startS3Proxy(env.endpoint);
    const srcSpec: S3Spec = { type: 's3', provider: 'ceph', endpoint: proxy.url, bucket: srcBucket, prefix: '', credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } };
    const dstSpec: S3Spec = { type: 's3', provider: 'ceph', endpoint: env.endpoint, bucket: dstBucket, prefix: '', credentials: { accessKeyId: env.accessKeyId2, secretAccessKey: env.secretAccessKey2 } };
    mirror = await startMirror({ src: srcSpec, dst: dstSpec, listen: { host: '127.0.0.1', port: 0 }, credentials: [MIRROR_KEY], log: (l) => logs.push(l) });
    client = mirrorClient(mirror.url);
  });

  afterAll(async () => {
    client?.destroy();
    await mirror?.close();
    await proxy?.close();
    if (srcBucket) await emptyAndDeleteBucket(srcBucket);
    if (dstBucket) await emptyAndDeleteBucket(dstBucket);
  });

  it('serves a key the destination has from the destination, without reading the source', async () => {
    proxy.reset();
    const { body, out } = await bytesOf(client, dstBucket, 'hit.txt');
    expect(body.equals(data.hitDst)).toBe(true);
    expect(out.ContentType).toBe('text/plain');
    expect(proxy.counts.get + proxy.counts.head).toBe(0);
    expect(logs.some((l) => l.includes('"/' + dstBucket + '/hit.txt" hit 200'))).toBe(true);
  });

  it('fetches a miss from the source, fills the destination with bytes and metadata, and reads it from there next time', async () => {
    proxy.reset();
    const { body, out } = await bytesOf(client, dstBucket, 'site/page.html');
    expect(body.equals(data.page)).toBe(true);
    expect(out.ContentType).toBe('text/html; charset=utf-8');
    expect(out.CacheControl).toBe('max-age=60');
    expect(out.Metadata).toEqual({ owner: 'alice', 'project-id': '42' });
    expect(out.ETag).toBe(`"${md5(data.page)}"`);
    expect(gets(proxy, 'site/page.html')).toBe(1);

    const dst = testClient(2);
    const head = await waitFor('the fill', () => dst.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'site/page.html' })).catch(() => undefined), 30_000);
    const { mtime, ...userMeta } = head.Metadata ?? {};
    expect(userMeta).toEqual({ owner: 'alice', 'project-id': '42' });
    expect(mtime).toMatch(/^\d+(\.\d+)?$/);
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    expect(head.CacheControl).toBe('max-age=60');
    expect(head.ContentDisposition).toBe('inline');
    const filled = await dst.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'site/page.html' }));
    expect(Buffer.from(await filled.Body!.transformToByteArray()).equals(data.page)).toBe(true);

    const again = await bytesOf(client, dstBucket, 'site/page.html');
    expect(again.body.equals(data.page)).toBe(true);
    expect(again.out.Metadata).toEqual({ owner: 'alice', 'project-id': '42' });
    expect((again.out.LastModified as Date).getTime()).toBe((out.LastModified as Date).getTime());
    expect(gets(proxy, 'site/page.html')).toBe(1);
    expect(logs.some((l) => l.startsWith('fill "site/page.html" filled'))).toBe(true);
  });

  it('answers a ranged read of a missed object with the range, reading the whole object once to fill it', async () => {
    proxy.reset();
    const { body, out } = await bytesOf(client, dstBucket, 'ranged.bin', 'bytes=1000-1999');
    expect(body.equals(data.ranged.subarray(1000, 2000))).toBe(true);
    expect(out.ContentRange).toBe(`bytes 1000-1999/${data.ranged.length}`);
    expect(out.$metadata).toMatchObject({ httpStatusCode: 206 });
    const srcReads = proxy.requests.filter((r) => r.kind === 'get' && r.key === 'ranged.bin');
    expect(srcReads).toHaveLength(1);
    expect(srcReads[0]!.headers.range).toBeUndefined();
    const dst = testClient(2);
    const head = await waitFor('the fill', () => dst.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'ranged.bin' })).catch(() => undefined), 30_000);
    expect(head.ContentLength).toBe(data.ranged.length);
    expect(md5(await (await dst.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'ranged.bin' }))).Body!.transformToByteArray().then(Buffer.from))).toBe(md5(data.ranged));
    // From the destination now: a suffix range and an open range.
    const tail = await bytesOf(client, dstBucket, 'ranged.bin', 'bytes=-10');
    expect(tail.body.equals(data.ranged.subarray(data.ranged.length - 10))).toBe(true);
    const open = await bytesOf(client, dstBucket, 'ranged.bin', `bytes=${data.ranged.length - 5}-`);
    expect(open.body.equals(data.ranged.subarray(data.ranged.length - 5))).toBe(true);
    expect(gets(proxy, 'ranged.bin')).toBe(1);
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'ranged.bin', Range: `bytes=${data.ranged.length}-` })))).toEqual({ name: 'InvalidRange', status: 416 });
  });

  it('answers 404 NoSuchKey for a key in neither bucket', async () => {
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'nowhere/at-all.txt' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await errorOf(client.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'nowhere/at-all.txt' })))).toEqual({ name: 'NotFound', status: 404 });
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: 'some-other-bucket', Key: 'x' })))).toEqual({ name: 'NoSuchBucket', status: 404 });
  });

  it('reads the source once for 20 concurrent misses of one key, and all 20 get the whole object', async () => {
    proxy.reset();
    const many = new S3Client({ endpoint: mirror.url, region: 'us-east-1', forcePathStyle: true, credentials: MIRROR_KEY, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 32 }) }) });
    try {
      const bodies = await Promise.all(Array.from({ length: 20 }, () => bytesOf(many, dstBucket, 'hot.bin').then((r) => r.body)));
      for (const b of bodies) expect(md5(b)).toBe(md5(data.hot));
    } finally {
      many.destroy();
    }
    expect(gets(proxy, 'hot.bin')).toBe(1);
    expect(proxy.counts.head).toBe(0);
  });

  it('refuses a bad signature with 403 SignatureDoesNotMatch and an unknown key with 403 InvalidAccessKeyId', async () => {
    const wrong = mirrorClient(mirror.url, { credentials: { accessKeyId: MIRROR_KEY.accessKeyId, secretAccessKey: 'not-the-secret' } });
    const stranger = mirrorClient(mirror.url, { credentials: { accessKeyId: 'SOMEONEELSE', secretAccessKey: 'whatever' } });
    try {
      expect(await errorOf(wrong.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'hit.txt' })))).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
      expect(await errorOf(wrong.send(new PutObjectCommand({ Bucket: dstBucket, Key: 'forged.txt', Body: 'x' })))).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
      expect(await errorOf(stranger.send(new ListObjectsV2Command({ Bucket: dstBucket })))).toEqual({ name: 'InvalidAccessKeyId', status: 403 });
    } finally {
      wrong.destroy();
      stranger.destroy();
    }
    const unsigned = await fetch(`${mirror.url}/${dstBucket}/hit.txt`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
    expect(await listAllKeys(dstBucket, 'forged', 2)).toEqual([]);
  });

  it('passes writes to the destination only: PUT, multipart upload, copy of a not-yet-migrated key, delete', async () => {
    proxy.reset();
    const body = randomBytes(300 * 1024);
    await client.send(new PutObjectCommand({ Bucket: dstBucket, Key: 'uploads/new.bin', Body: body, ContentType: 'application/x-new', Metadata: { by: 'app' } }));
    const dst = testClient(2);
    const head = await dst.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'uploads/new.bin' }));
    expect(head.ContentType).toBe('application/x-new');
    expect(head.Metadata).toEqual({ by: 'app' });
    expect(md5(Buffer.from(await (await dst.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'uploads/new.bin' }))).Body!.transformToByteArray()))).toBe(md5(body));

    const part1 = randomBytes(5 * MiB);
    const part2 = randomBytes(1234);
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: dstBucket, Key: 'uploads/multi.bin' }));
    const p1 = await client.send(new UploadPartCommand({ Bucket: dstBucket, Key: 'uploads/multi.bin', UploadId, PartNumber: 1, Body: part1 }));
    const p2 = await client.send(new UploadPartCommand({ Bucket: dstBucket, Key: 'uploads/multi.bin', UploadId, PartNumber: 2, Body: part2 }));
    await client.send(new CompleteMultipartUploadCommand({ Bucket: dstBucket, Key: 'uploads/multi.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    const multi = await bytesOf(client, dstBucket, 'uploads/multi.bin');
    expect(md5(multi.body)).toBe(md5(Buffer.concat([part1, part2])));

    await client.send(new CopyObjectCommand({ Bucket: dstBucket, Key: 'copy/dup.bin', CopySource: `${dstBucket}/copy/me.bin` }));
    const dup = await dst.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'copy/dup.bin' }));
    expect(dup.ContentLength).toBe(data.copyme.length);
    expect(await listAllKeys(dstBucket, 'copy/', 2)).toEqual(['copy/dup.bin', 'copy/me.bin']);

    // Nothing was ever written to the source: its keys are as they were put.
    expect(proxy.counts.put + proxy.counts.post + proxy.counts.copy + proxy.counts.delete).toBe(0);
    expect(await listAllKeys(srcBucket, 'uploads/', 1)).toEqual([]);
    expect(await listAllKeys(srcBucket, 'copy/', 1)).toEqual(['copy/me.bin']);

    // A delete goes to the destination, and the key stays deleted though the source still has it.
    await client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'doomed.txt' })).then((o) => o.Body!.transformToByteArray());
    await waitFor('the fill of doomed.txt', () => dst.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'doomed.txt' })).catch(() => undefined), 30_000);
    await client.send(new DeleteObjectCommand({ Bucket: dstBucket, Key: 'doomed.txt' }));
    expect(await listAllKeys(dstBucket, 'doomed', 2)).toEqual([]);
    expect(await listAllKeys(srcBucket, 'doomed', 1)).toEqual(['doomed.txt']);
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'doomed.txt' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: dstBucket, Prefix: 'doomed' }));
    expect(listed.Contents ?? []).toEqual([]);

    // DeleteObjects too; then a new PUT brings the key back.
    await client.send(new DeleteObjectsCommand({ Bucket: dstBucket, Delete: { Objects: [{ Key: 'uploads/new.bin' }, { Key: 'many/0.txt' }] } }));
    expect(await listAllKeys(dstBucket, 'uploads/', 2)).toEqual(['uploads/multi.bin']);
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'many/0.txt' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    await client.send(new PutObjectCommand({ Bucket: dstBucket, Key: 'many/0.txt', Body: 'written again' }));
    expect((await bytesOf(client, dstBucket, 'many/0.txt')).body.toString()).toBe('written again');
  });

  it('decodes a streamed upload (aws-chunked with a CRC32 trailer, the SDK default for streams) and checks it', async () => {
    const body = randomBytes(700 * 1024);
    await client.send(new PutObjectCommand({ Bucket: dstBucket, Key: 'uploads/streamed.bin', Body: Readable.from([body.subarray(0, 300_000), body.subarray(300_000)]), ContentLength: body.length }));
    const stored = await testClient(2).send(new GetObjectCommand({ Bucket: dstBucket, Key: 'uploads/streamed.bin' }));
    expect(md5(Buffer.from(await stored.Body!.transformToByteArray()))).toBe(md5(body));
    expect(stored.ContentLength).toBe(body.length);
  });

  it('answers conditional GETs: 304 for an unchanged ETag, 412 for a mismatch, on a hit and on a miss', async () => {
    const first = await client.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'hit.txt' }));
    expect((await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'hit.txt', IfNoneMatch: first.ETag })))).status).toBe(304);
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'hit.txt', IfMatch: '"0123456789abcdef0123456789abcdef"' })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    const etag = `"${md5(Buffer.from('only at the source'))}"`;
    expect((await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'cond.txt', IfNoneMatch: etag })))).status).toBe(304);
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'cond.txt', IfMatch: '"0123456789abcdef0123456789abcdef"' })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect((await bytesOf(client, dstBucket, 'cond.txt')).body.toString()).toBe('only at the source');
  });

  it('lists the destination merged with the source, in order, across pages and with a delimiter', async () => {
    const all: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: dstBucket, Prefix: 'many/', MaxKeys: 3, ContinuationToken: token }));
      all.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      pages++;
    } while (token);
    expect(all).toEqual(['many/0.txt', 'many/1.txt', 'many/2.txt', 'many/3.txt', 'many/4.txt', 'many/5.txt', 'many/6.txt', 'many/7.txt']);
    expect(pages).toBe(3);
    const both = await client.send(new ListObjectsV2Command({ Bucket: dstBucket, Prefix: 'many/3' }));
    // Where both hold a key, the destination's object is listed (what a read returns).
    expect(both.Contents?.map((o) => [o.Key, o.Size])).toEqual([['many/3.txt', 5]]);

    const top = await client.send(new ListObjectsV2Command({ Bucket: dstBucket, Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['cold/', 'copy/', 'many/', 'site/', 'uploads/']);
    expect(top.Contents?.map((o) => o.Key)).toEqual(['big.bin', 'cond.txt', 'hit.txt', 'hot.bin', 'ranged.bin']);
    const site = await client.send(new ListObjectsV2Command({ Bucket: dstBucket, Prefix: 'site/', Delimiter: '/' }));
    expect(site.Contents?.map((o) => o.Key)).toEqual(['site/dst-only.txt', 'site/page.html']);
    const cold = await client.send(new ListObjectsV2Command({ Bucket: dstBucket, Prefix: 'cold/' }));
    expect(cold.Contents?.map((o) => [o.Key, o.StorageClass])).toEqual([['cold/archived.bin', 'GLACIER']]);
    const v1 = await client.send(new ListObjectsCommand({ Bucket: dstBucket, Prefix: 'many/', MaxKeys: 100 }));
    expect(v1.Contents?.map((o) => o.Key)).toEqual(all);
  });

  it('fills a 64 MiB+ miss as a multipart upload while streaming it to the client', async () => {
    proxy.reset();
    const { body, out } = await bytesOf(client, dstBucket, 'big.bin');
    expect(body.length).toBe(data.big.length);
    expect(md5(body)).toBe(md5(data.big));
    expect(out.ContentType).toBe('application/x-big');
    expect(gets(proxy, 'big.bin')).toBe(1);
    const dst = testClient(2);
    const head = await waitFor('the multipart fill', () => dst.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'big.bin' })).catch(() => undefined), 120_000);
    expect(head.ContentLength).toBe(data.big.length);
    expect(head.ETag).toMatch(/-5"$/);
    expect(head.ContentType).toBe('application/x-big');
    const again = await bytesOf(client, dstBucket, 'big.bin', 'bytes=67108860-67108869');
    expect(again.body.equals(data.big.subarray(67108860, 67108870))).toBe(true);
    expect(gets(proxy, 'big.bin')).toBe(1);
  });

  it('answers HEAD of a miss from the source without filling, and refuses to read an archived source object', async () => {
    proxy.reset();
    const head = await client.send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'many/1.txt' }));
    expect(head.ContentLength).toBe(5);
    expect(head.ETag).toBe(`"${md5(Buffer.from('src 1'))}"`);
    expect(proxy.counts.head).toBe(1);
    expect(proxy.counts.get).toBe(0);
    expect(await listAllKeys(dstBucket, 'many/1', 2)).toEqual([]);
    expect(await errorOf(client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'cold/archived.bin' })))).toEqual({ name: 'InvalidObjectState', status: 403 });
  });

  it('serves virtual-host style requests (bucket.localhost:port)', async () => {
    const port = new URL(mirror.url).port;
    // *.localhost need not resolve on this machine: every name goes to 127.0.0.1.
    const agent = new Agent({ keepAlive: true, lookup: ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => (options?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))) as never });
    const vhost = new S3Client({ endpoint: `http://localhost:${port}`, region: 'us-east-1', forcePathStyle: false, credentials: MIRROR_KEY, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
    try {
      proxy.reset();
      const hit = await bytesOf(vhost, dstBucket, 'hit.txt');
      expect(hit.body.equals(data.hitDst)).toBe(true);
      const miss = await bytesOf(vhost, dstBucket, 'many/2.txt');
      expect(miss.body.toString()).toBe('src 2');
      expect(gets(proxy, 'many/2.txt')).toBe(1);
      const list = await vhost.send(new ListObjectsV2Command({ Bucket: dstBucket, Prefix: 'site/' }));
      expect(list.Contents?.map((o) => o.Key)).toEqual(['site/dst-only.txt', 'site/page.html']);
      await vhost.send(new PutObjectCommand({ Bucket: dstBucket, Key: 'vhost/put.txt', Body: 'by virtual host' }));
      expect((await bytesOf(vhost, dstBucket, 'vhost/put.txt')).body.toString()).toBe('by virtual host');
      expect(logs.some((l) => l.includes(`"/${dstBucket}/hit.txt" hit 200`))).toBe(true);
    } finally {
      vhost.destroy();
      agent.destroy();
    }
  });

  it('logs one line per request without any secret', () => {
    const text = logs.join('\n');
    expect(text).not.toContain(MIRROR_KEY.secretAccessKey);
    expect(text).not.toContain(env.secretAccessKey);
    expect(text).not.toContain(env.secretAccessKey2);
    expect(logs.filter((l) => / (hit|miss|join|fill-wait|source|absent|list|pass|denied|deleted|error) \d{3} \d+B \d+ms /.test(l)).length).toBeGreaterThan(40);
  });
});

/**
 * A pass-through proxy to the S3 server that can tamper with one thing: the
 * ETag the server answers to a PUT of `etagKey` (as a corrupting middlebox or
 * a misbehaving destination would), so a fill's check after the upload fails.
 */
async function startEtagTamperingProxy(target: string, etagKey: string): Promise<{ url: string; tampered: number; close(): Promise<void> }> {
  const t = new URL(target);
  const state = { tampered: 0 };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const tamper = req.method === 'PUT' && decodeURIComponent(path).endsWith(`/${etagKey}`);
    const upstream = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const headers = { ...up.headers };
      if (tamper && headers.etag) {
        headers.etag = '"00000000000000000000000000000000"';
        state.tampered++;
      }
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get tampered() {
      return state.tampered;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!hasS3())('ferry mirror: fills that fail leave nothing behind, and the client still gets its bytes', () => {
  let env: S3TestEnv;
  let srcBucket: string;
  let dstBucket: string;
  let srcProxy: S3Proxy;
  let dstProxy: S3Proxy;
  let tamper: Awaited<ReturnType<typeof startEtagTamperingProxy>>;
  let mirror: RunningMirror;
  let tamperedMirror: RunningMirror;
  let client: S3Client;
  const logs: string[] = [];
  const refused = randomBytes(300 * 1024);
  const partRefused = randomBytes(12 * 1024 * 1024 + 1);
  const cut = randomBytes(2 * 1024 * 1024);
  const lied = randomBytes(100 * 1024);

  const waitForLog = (what: string, test: (l: string) => boolean): Promise<string> => waitFor(what, () => logs.find(test), 60_000);

  beforeAll(async () => {
    env = s3Env()!;
    srcBucket = await createTestBucket('mirror-fail-src', 1);
    dstBucket = await createTestBucket('mirror-fail-dst', 2);
    await putObject(srcBucket, 'fail/refused.bin', refused);
    await putObject(srcBucket, 'fail/part-refused.bin', partRefused);
    await putObject(srcBucket, 'fail/cut.bin', cut);
    await putObject(srcBucket, 'fail/lied.bin', lied);
    srcProxy = await startS3Proxy(env.endpoint);
    dstProxy = await startS3Proxy(env.endpoint);
    tamper = await startEtagTamperingProxy(env.endpoint, 'fail/lied.bin');
    const src = (endpoint: string): S3Spec => ({ type: 's3', provider: 'ceph', endpoint, bucket: srcBucket, prefix: '', credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } });
    const dst = (endpoint: string): S3Spec => ({ type: 's3', provider: 'ceph', endpoint, bucket: dstBucket, prefix: '', credentials: { accessKeyId: env.accessKeyId2, secretAccessKey: env.secretAccessKey2 } });
    // Fills of 5 MiB and more go multipart in 5 MiB parts here, so a 12 MiB object is three parts.
    mirror = await startMirror({ src: src(srcProxy.url), dst: dst(dstProxy.url), listen: { host: '127.0.0.1', port: 0 }, credentials: [MIRROR_KEY], log: (l) => logs.push(l), copy: { multipartThreshold: 5 * MiB, partSize: 5 * MiB } });
    tamperedMirror = await startMirror({ src: src(srcProxy.url), dst: dst(tamper.url), listen: { host: '127.0.0.1', port: 0 }, credentials: [MIRROR_KEY], log: (l) => logs.push(l) });
    client = mirrorClient(mirror.url);
  });

  afterAll(async () => {
    client?.destroy();
    await mirror?.close();
    await tamperedMirror?.close();
    await srcProxy?.close();
    await dstProxy?.close();
    await tamper?.close();
    if (srcBucket) await emptyAndDeleteBucket(srcBucket);
    if (dstBucket) await emptyAndDeleteBucket(dstBucket);
  });

  it('a destination that refuses the upload', async () => {
    dstProxy.onRequest = (req, res) => {
      if (req.method !== 'PUT' || req.key !== 'fail/refused.bin') return false;
      res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>injected</Message></Error>');
      return true;
    };
    const { body } = await bytesOf(client, dstBucket, 'fail/refused.bin');
    expect(md5(body)).toBe(md5(refused));
    expect(await waitForLog('the failed fill', (l) => l.startsWith('fill "fail/refused.bin" failed'))).toContain('InternalError');
    expect(await listAllKeys(dstBucket, 'fail/refused', 2)).toEqual([]);
  });

  it('a destination that refuses a part of a multipart fill: the upload is aborted', async () => {
    dstProxy.onRequest = (req, res) => {
      if (req.method !== 'PUT' || req.key !== 'fail/part-refused.bin' || req.query.get('partNumber') !== '2') return false;
      res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>injected</Message></Error>');
      return true;
    };
    const { body } = await bytesOf(client, dstBucket, 'fail/part-refused.bin');
    expect(md5(body)).toBe(md5(partRefused));
    await waitForLog('the failed multipart fill', (l) => l.startsWith('fill "fail/part-refused.bin" failed'));
    expect(await listAllKeys(dstBucket, 'fail/part', 2)).toEqual([]);
    const uploads = await testClient(2).send(new ListMultipartUploadsCommand({ Bucket: dstBucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(dstProxy.requests.some((r) => r.method === 'DELETE' && r.key === 'fail/part-refused.bin' && r.query.has('uploadId'))).toBe(true);
  });

  it('a source connection that breaks mid-body: the client sees the failure, the destination gets nothing', async () => {
    dstProxy.onRequest = undefined;
    srcProxy.onRequest = (req, res) => {
      if (req.method !== 'GET' || req.key !== 'fail/cut.bin') return false;
      res.writeHead(200, { 'content-length': String(cut.length), etag: `"${md5(cut)}"`, 'last-modified': new Date().toUTCString() });
      res.write(cut.subarray(0, 700 * 1024), () => setTimeout(() => res.destroy(), 50));
      return true;
    };
    await expect(bytesOf(client, dstBucket, 'fail/cut.bin')).rejects.toThrow();
    await waitForLog('the failed fill', (l) => l.startsWith('fill "fail/cut.bin" failed'));
    expect(await listAllKeys(dstBucket, 'fail/cut', 2)).toEqual([]);
    srcProxy.onRequest = undefined;
    // Once the source is whole again, the next read fills it.
    expect(md5((await bytesOf(client, dstBucket, 'fail/cut.bin')).body)).toBe(md5(cut));
  });

  it('a destination whose answer does not verify: the copy it accepted is removed', async () => {
    const tampered = mirrorClient(tamperedMirror.url);
    try {
      const { body } = await bytesOf(tampered, dstBucket, 'fail/lied.bin');
      expect(md5(body)).toBe(md5(lied));
    } finally {
      tampered.destroy();
    }
    expect(await waitForLog('the failed fill', (l) => l.startsWith('fill "fail/lied.bin" failed'))).toContain('destination ETag mismatch');
    await waitForLog('the removal', (l) => l.startsWith('fill "fail/lied.bin": removed the unverified copy'));
    expect(tamper.tampered).toBe(1);
    expect(await listAllKeys(dstBucket, 'fail/lied', 2)).toEqual([]);
  });
});
