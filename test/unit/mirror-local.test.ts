// The mirror over local folders (no server needed), driven by the AWS SDK:
// fills onto a disk, a fill that fails while the client still gets its bytes,
// writes on a non-S3 destination, anonymous reads, conditional and presigned GETs.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMirror, type RunningMirror } from '../../src/mirror/index.js';

const KEY = { accessKeyId: 'LOCALMIRROR', secretAccessKey: 'local-mirror-secret' };

function folder(files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ferry-mirror-local-'));
  for (const [k, v] of Object.entries(files)) {
    mkdirSync(dirname(join(root, k)), { recursive: true });
    writeFileSync(join(root, k), v);
  }
  return root;
}

async function get(client: S3Client, key: string, extra: Record<string, unknown> = {}): Promise<{ body: Buffer; out: Record<string, unknown> }> {
  const out = await client.send(new GetObjectCommand({ Bucket: 'site', Key: key, ...extra }));
  return { body: Buffer.from(await out.Body!.transformToByteArray()), out: out as unknown as Record<string, unknown> };
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected a failure');
}

/** Node's hash objects in the shape @smithy/signature-v4 wants. */
class Sha256 {
  private readonly h;
  constructor(secret?: Uint8Array | string) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

describe('ferry mirror over local folders', () => {
  const big = randomBytes(2 * 1024 * 1024 + 11);
  let src: string;
  let dst: string;
  let mirror: RunningMirror;
  let client: S3Client;
  const logs: string[] = [];

  beforeAll(async () => {
    src = folder({ 'empty.txt': '', 'index.html': '<p>hi</p>', 'img/big.bin': big, 'blocked/inner.txt': 'cannot be filled', 'old.txt': 'from the source', 'page.html': '<p>unread</p>' });
    // A file where the fill needs a folder: writing blocked/inner.txt at the destination fails.
    dst = folder({ 'blocked': 'a file, not a folder', 'old.txt': 'already migrated' });
    mirror = await startMirror({ src: { type: 'local', path: src, prefix: '' }, dst: { type: 'local', path: dst, prefix: '' }, bucket: 'site', listen: { host: '127.0.0.1', port: 0 }, credentials: [KEY], anonymousRead: true, log: (l) => logs.push(l) });
    client = new S3Client({ endpoint: mirror.url, region: 'us-east-1', forcePathStyle: true, credentials: KEY, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await mirror?.close();
  });

  it('fills a miss onto the destination disk and serves it from there after', async () => {
    const { body, out } = await get(client, 'img/big.bin');
    expect(body.equals(big)).toBe(true);
    expect(out.ContentLength).toBe(big.length);
    for (let i = 0; i < 100 && !existsSync(join(dst, 'img/big.bin')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(join(dst, 'img/big.bin')).equals(big)).toBe(true);
    expect((await get(client, 'img/big.bin', { Range: 'bytes=10-19' })).body.equals(big.subarray(10, 20))).toBe(true);
    // The log line is written once the answer is out, which the client may see first.
    for (let i = 0; i < 100 && logs.filter((l) => l.includes('"/site/img/big.bin"')).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(logs.filter((l) => l.includes('"/site/img/big.bin"')).map((l) => l.split(' ')[2])).toEqual(['miss', 'hit']);
    expect((await get(client, 'old.txt')).body.toString()).toBe('already migrated');
  });

  it('fills an empty object', async () => {
    const { body, out } = await get(client, 'empty.txt');
    expect(body.length).toBe(0);
    expect(out.ContentLength).toBe(0);
    for (let i = 0; i < 100 && !existsSync(join(dst, 'empty.txt')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(join(dst, 'empty.txt')).length).toBe(0);
  });

  it('still gives the client its bytes when the fill fails, and leaves nothing at the destination', async () => {
    const tree = (): string[] => (readdirSync(dst, { recursive: true }) as string[]).sort();
    const before = tree();
    const { body } = await get(client, 'blocked/inner.txt');
    expect(body.toString()).toBe('cannot be filled');
    for (let i = 0; i < 100 && !logs.some((l) => l.startsWith('fill "blocked/inner.txt" failed')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(logs.some((l) => l.startsWith('fill "blocked/inner.txt" failed'))).toBe(true);
    expect(readFileSync(join(dst, 'blocked'), 'utf8')).toBe('a file, not a folder');
    // No partial or temp file anywhere at the destination.
    expect(tree()).toEqual(before);
    // The next read is served from the source again (another try at the fill).
    expect((await get(client, 'blocked/inner.txt')).body.toString()).toBe('cannot be filled');
  });

  it('answers conditional GETs with 304 and 412, on a miss and on a hit alike', async () => {
    // A miss: nobody has read page.html yet; it was modified after 1970, so If-Unmodified-Since fails.
    expect(await failure(client.send(new GetObjectCommand({ Bucket: 'site', Key: 'page.html', IfUnmodifiedSince: new Date(0) })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    const first = await get(client, 'index.html');
    const etagless = first.out.ETag === undefined;
    const since = (first.out.LastModified as Date).toUTCString();
    expect((await failure(client.send(new GetObjectCommand({ Bucket: 'site', Key: 'index.html', IfModifiedSince: new Date(since) })))).status).toBe(304);
    expect(await failure(client.send(new GetObjectCommand({ Bucket: 'site', Key: 'index.html', IfUnmodifiedSince: new Date(Date.parse(since) - 3600_000) })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(etagless).toBe(true);
  });

  it('takes a whole-object PUT onto the disk, and says 501 to what a disk cannot do', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'site', Key: 'uploads/a.txt', Body: 'put through the mirror' }));
    expect(readFileSync(join(dst, 'uploads/a.txt'), 'utf8')).toBe('put through the mirror');
    expect(existsSync(join(src, 'uploads'))).toBe(false);
    expect(await failure(client.send(new DeleteObjectCommand({ Bucket: 'site', Key: 'uploads/a.txt' })))).toEqual({ name: 'NotImplemented', status: 501 });
  });

  it('serves anonymous reads and listings when asked to, never anonymous writes', async () => {
    const res = await fetch(`${mirror.url}/site/index.html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<p>hi</p>');
    expect(res.headers.get('x-ferry-mirror')).toBe(mirror.identity);
    const list = await fetch(`${mirror.url}/site?list-type=2&delimiter=/`);
    expect(await list.text()).toContain('<CommonPrefixes><Prefix>img/</Prefix></CommonPrefixes>');
    const put = await fetch(`${mirror.url}/site/anon.txt`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(403);
    expect(existsSync(join(dst, 'anon.txt'))).toBe(false);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'site' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['blocked', 'blocked/inner.txt', 'empty.txt', 'img/big.bin', 'index.html', 'old.txt', 'page.html', 'uploads/a.txt']);
  });

  it('accepts a presigned GET and refuses it with the wrong secret', async () => {
    const url = new URL(mirror.url);
    const presign = async (secretAccessKey: string): Promise<string> => {
      // As the SDK's S3 presigner does: the payload is UNSIGNED-PAYLOAD, the x-amz-* header hoisted into the query.
      const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: { ...KEY, secretAccessKey }, sha256: Sha256 as never, uriEscapePath: true, applyChecksum: false });
      const signed = await signer.presign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/site/img/big.bin', query: { 'response-content-type': 'application/x-test' }, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { expiresIn: 300 });
      const q = new URLSearchParams(signed.query as Record<string, string>).toString();
      return `${mirror.url}${signed.path}?${q}`;
    };
    const ok = await fetch(await presign(KEY.secretAccessKey));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-test');
    expect(Buffer.from(await ok.arrayBuffer()).equals(big)).toBe(true);
    const bad = await fetch(await presign('wrong'));
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('answers HEAD of a key in neither folder with 404', async () => {
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: 'site', Key: 'none.txt' })))).toEqual({ name: 'NotFound', status: 404 });
  });
});
