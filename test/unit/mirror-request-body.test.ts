// Decoding and checking write bodies: aws-chunked with signed chunks (the S3
// API reference's multi-chunk example), unsigned chunks with checksum
// trailers (what the AWS SDK v3 sends for streams), signed hashes.
import { createHash } from 'node:crypto';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { decodeRequestBody } from '../../src/mirror/request-body.js';
import { SigV4Verifier, type AuthResult } from '../../src/mirror/sigv4-verify.js';
import { checksumFor, crc32cUpdate, crc32Update } from '../../src/mirror/trailer-checksum.js';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD } from '../../src/stores/s3/lean/sigv4.js';

const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2013, 4, 24, 0, 0, 0);

/** A fake incoming request: headers plus a body sent in the given pieces. */
function request(headers: Record<string, string>, pieces: Buffer[]): IncomingMessage {
  const stream = new PassThrough() as unknown as IncomingMessage & PassThrough;
  Object.assign(stream, { headers, complete: false });
  stream.once('end', () => Object.assign(stream, { complete: true }));
  setImmediate(() => {
    for (const p of pieces) stream.write(p);
    stream.end();
  });
  return stream;
}

/** Everything the decoder released, and how it ended. */
async function drain(body: Readable): Promise<{ bytes: Buffer; error: Error | undefined }> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    body.on('data', (c: Buffer) => chunks.push(c));
    body.once('end', () => resolve({ bytes: Buffer.concat(chunks), error: undefined }));
    body.once('error', (error) => resolve({ bytes: Buffer.concat(chunks), error }));
  });
}

/** Splits a buffer at awkward places, so the parser meets every boundary mid-piece. */
function shards(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** The S3 reference's chunked upload: 64 KiB + 1 KiB of 'a', three signed chunks. */
function referenceChunkedUpload(tamper?: (body: Buffer) => Buffer): { headers: Record<string, string>; body: Buffer } {
  const headers = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,' +
      'Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'content-length': '66824',
  };
  let body: Buffer = Buffer.concat([
    Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
    Buffer.alloc(65536, 'a'),
    Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'),
    Buffer.alloc(1024, 'a'),
    Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
  ]);
  expect(body.length).toBe(66824);
  if (tamper) body = tamper(body);
  return { headers, body };
}

describe('aws-chunked bodies with signed chunks', () => {
  const verifier = new SigV4Verifier([CREDS], () => NOW);

  it('decodes the S3 reference example, every chunk signature checked, whatever the network pieces', async () => {
    for (const size of [1, 7, 90, 65536, 100_000]) {
      const { headers, body } = referenceChunkedUpload();
      const auth = verifier.verify({ method: 'PUT', rawUrl: '/examplebucket/chunkObject.txt', headers });
      expect(auth.kind).toBe('signed');
      const decoded = decodeRequestBody(request(headers, shards(body, size)), auth)!;
      expect(decoded.length).toBe(66560);
      const out = await drain(decoded.body);
      expect(out.error).toBeUndefined();
      expect(out.bytes.equals(Buffer.alloc(66560, 'a'))).toBe(true);
    }
  });

  it('fails a changed byte or a forged chunk signature, holding back the last bytes', async () => {
    const cases: [string, (b: Buffer) => Buffer][] = [
      ['a changed payload byte', (b) => Buffer.concat([b.subarray(0, 1000), Buffer.from('b'), b.subarray(1001)])],
      ['a forged final signature', (b) => Buffer.from(b.toString('latin1').replace('b6c6ea8a', 'b6c6ea8b'), 'latin1')],
      ['a forged middle signature', (b) => Buffer.from(b.toString('latin1').replace('0055627c', '1055627c'), 'latin1')],
    ];
    for (const [what, tamper] of cases) {
      const { headers, body } = referenceChunkedUpload(tamper);
      const auth = verifier.verify({ method: 'PUT', rawUrl: '/examplebucket/chunkObject.txt', headers });
      const out = await drain(decodeRequestBody(request(headers, shards(body, 4096)), auth)!.body);
      expect(out.error, what).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
      expect(out.bytes.length, what).toBeLessThan(66560);
    }
  });

  it('fails a body cut short and one that goes on after its last chunk', async () => {
    const auth = verifier.verify({ method: 'PUT', rawUrl: '/examplebucket/chunkObject.txt', headers: referenceChunkedUpload().headers });
    const { headers, body } = referenceChunkedUpload();
    const short = await drain(decodeRequestBody(request(headers, [body.subarray(0, 70_000 - 5000)]), auth)!.body);
    expect(short.error).toMatchObject({ code: 'IncompleteBody' });
    const long = await drain(decodeRequestBody(request(headers, [body, Buffer.from('junk')]), auth)!.body);
    expect(long.error).toMatchObject({ code: 'IncompleteBody' });
  });
});

describe('aws-chunked bodies with unsigned chunks and a checksum trailer', () => {
  const auth: AuthResult = { kind: 'signed', accessKeyId: 'k', payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', presigned: false, chunk: { signingKey: Buffer.alloc(32), amzDate: '', scope: '', seedSignature: '' } };
  const payload = Buffer.from('hello stream, in two chunks');
  const framed = (trailer: string): Buffer =>
    Buffer.from(`5\r\n${payload.subarray(0, 5).toString()}\r\n${(payload.length - 5).toString(16)}\r\n${payload.subarray(5).toString()}\r\n0\r\n${trailer}\r\n\r\n`);
  const headers = (name: string): Record<string, string> => ({
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(payload.length),
    'x-amz-trailer': name,
  });

  it('checks CRC32, CRC32C, SHA-1 and SHA-256 trailers', async () => {
    for (const name of ['x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-sha1', 'x-amz-checksum-sha256']) {
      const sum = checksumFor(name)!;
      sum.update(payload);
      const good = await drain(decodeRequestBody(request(headers(name), shards(framed(`${name}:${sum.base64()}`), 3)), auth)!.body);
      expect(good.error, name).toBeUndefined();
      expect(good.bytes.equals(payload), name).toBe(true);
      const bad = await drain(decodeRequestBody(request(headers(name), [framed(`${name}:AAAAAA==`)]), auth)!.body);
      expect(bad.error, name).toMatchObject({ code: 'BadDigest', status: 400 });
      expect(bad.bytes.length, name).toBeLessThan(payload.length);
    }
  });

  it('refuses a trailer it cannot check before reading the body', () => {
    expect(() => decodeRequestBody(request(headers('x-amz-checksum-crc64nvme'), []), auth)).toThrow(/not implemented/);
  });

  it('computes the standard CRC-32 and CRC-32C check values', () => {
    const nine = Buffer.from('123456789');
    expect(crc32Update(0, nine)).toBe(0xcbf43926);
    expect(crc32cUpdate(0, nine)).toBe(0xe3069283);
    // Incremental updates give the same value.
    expect(crc32cUpdate(crc32cUpdate(0, nine.subarray(0, 4)), nine.subarray(4))).toBe(0xe3069283);
  });
});

describe('plain bodies', () => {
  const signed = (payloadHash: string): AuthResult => ({ kind: 'signed', accessKeyId: 'k', payloadHash, presigned: false, chunk: { signingKey: Buffer.alloc(32), amzDate: '', scope: '', seedSignature: '' } });
  const body = Buffer.from('Welcome to Amazon S3.');
  const sha = createHash('sha256').update(body).digest('hex');

  it('passes a body whose signed SHA-256 matches, and fails one that does not before it is complete', async () => {
    const ok = await drain(decodeRequestBody(request({ 'content-length': String(body.length) }, shards(body, 4)), signed(sha))!.body);
    expect(ok.error).toBeUndefined();
    expect(ok.bytes.equals(body)).toBe(true);
    const bad = await drain(decodeRequestBody(request({ 'content-length': String(body.length) }, shards(Buffer.from('Welcome to Amazon S4.'), 4)), signed(sha))!.body);
    expect(bad.error).toMatchObject({ code: 'XAmzContentSHA256Mismatch', status: 400 });
    expect(bad.bytes.length).toBeLessThan(body.length);
  });

  it('takes an UNSIGNED-PAYLOAD body as sent, but not a short one', async () => {
    const ok = await drain(decodeRequestBody(request({ 'content-length': String(body.length) }, [body]), signed(UNSIGNED_PAYLOAD))!.body);
    expect(ok.bytes.equals(body)).toBe(true);
    const short = request({ 'content-length': String(body.length + 10) }, [body]);
    const out = await drain(decodeRequestBody(short, signed(UNSIGNED_PAYLOAD))!.body);
    expect(out.error).toMatchObject({ code: 'IncompleteBody' });
  });

  it('has no body for a request without one, and wants a length for a chunked one', () => {
    expect(decodeRequestBody(request({}, []), signed(EMPTY_SHA256))).toBeUndefined();
    expect(() => decodeRequestBody(request({ 'transfer-encoding': 'chunked' }, []), signed(UNSIGNED_PAYLOAD))).toThrow(/Content-Length/);
  });

  it('releases nothing past what downstream can take (back-pressure reaches the client)', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    const req = new PassThrough() as unknown as IncomingMessage & PassThrough;
    Object.assign(req, { headers: { 'content-length': String(big.length) }, complete: false });
    const decoded = decodeRequestBody(req, signed(UNSIGNED_PAYLOAD))!;
    let written = 0;
    for (const piece of shards(big, 64 * 1024)) {
      if (!req.write(piece)) break;
      written += piece.length;
    }
    // Nobody reads the decoded body: the request side stops accepting long before 4 MiB.
    expect(written).toBeLessThan(big.length);
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    decoded.body.pipe(sink);
  });
});
