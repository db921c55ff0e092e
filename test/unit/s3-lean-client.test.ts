// The lean S3 client against a local node:http server playing S3: what goes
// on the wire, how answers and failures become errors, and that those errors
// sort in classifyS3Error exactly as the AWS SDK's did.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FerryError, type ErrorCode } from '../../src/core/index.js';
import { guardBody, readGuarded } from '../../src/stores/s3/guarded-body.js';
import { LeanS3Client, S3ResponseError, errorFromBody } from '../../src/stores/s3/lean/lean-s3-client.js';
import { classifyS3Error } from '../../src/stores/s3/s3-errors.js';
import { metadataFromHeaders, metadataHeaderValue, metadataToHeaders } from '../../src/stores/s3/s3-metadata.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let endpoint = '';
let handler: Handler = (_req, res) => res.end();
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];

/** Records the request (body included), then answers with `answer`. */
function respond(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Handler {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      answer(req, res, body);
    });
  };
}

function xmlError(res: ServerResponse, status: number, code: string, message = `${code} message`): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>tx1</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
}

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const clients: LeanS3Client[] = [];
function client(overrides: Partial<ConstructorParameters<typeof LeanS3Client>[0]> = {}): LeanS3Client {
  const c = new LeanS3Client({ endpoint, region: 'us-east-1', pathStyle: true, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' }, ...overrides });
  clients.push(c);
  return c;
}

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  seen.length = 0;
  handler = (_req, res) => res.end();
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

/** The classification an error gets, in the fields that decide what the engine does. */
function sortOf(err: unknown): { code: ErrorCode; retryable: boolean; fatal: boolean } {
  const e = classifyS3Error(err, 'op');
  return { code: e.code, retryable: e.retryable, fatal: e.fatal };
}

describe('addressing', () => {
  it('path style: /bucket/key, the key encoded once per segment', () => {
    const c = client();
    const host = new URL(endpoint).host;
    expect(c.target('b', 'dir with space/ü+%.txt')).toEqual({ hostname: '127.0.0.1', host, path: '/b/dir%20with%20space/%C3%BC%2B%25.txt' });
    expect(c.target('b', undefined)).toEqual({ hostname: '127.0.0.1', host, path: '/b' });
  });

  it('virtual-hosted style: bucket.host, for DNS-compatible buckets only, default ports left out', () => {
    const c = client({ endpoint: 'https://s3.example.com', pathStyle: false });
    expect(c.target('my-bucket', 'a/b')).toEqual({ hostname: 'my-bucket.s3.example.com', host: 'my-bucket.s3.example.com', path: '/a/b' });
    expect(c.target('my-bucket', undefined).path).toBe('/');
    // Upper case, underscores, and dots under TLS fall back to the path.
    expect(c.target('My_Bucket', 'k')).toMatchObject({ hostname: 's3.example.com', path: '/My_Bucket/k' });
    expect(c.target('a.b.c', 'k')).toMatchObject({ hostname: 's3.example.com', path: '/a.b.c/k' });
    const plain = client({ endpoint: 'http://minio.local:9000/base/', pathStyle: false });
    expect(plain.target('a.b.c', 'k')).toEqual({ hostname: 'a.b.c.minio.local', host: 'a.b.c.minio.local:9000', path: '/base/k' });
    // An IP address cannot take a bucket sub-domain.
    expect(client({ pathStyle: false }).target('bucket', 'k').path).toBe('/bucket/k');
    expect(client({ endpoint: 'http://[::1]:9000', pathStyle: false }).target('bucket', 'k')).toEqual({ hostname: '::1', host: '[::1]:9000', path: '/bucket/k' });
  });
});

describe('requests on the wire', () => {
  it('GetObject: signed, Range and If-Match sent, headers read back, the body streamed', async () => {
    handler = respond((_req, res) => {
      res.writeHead(206, {
        'content-length': '5',
        'content-range': 'bytes 0-4/10',
        etag: '"abc"',
        'last-modified': 'Sat, 02 Jan 2021 03:04:05 GMT',
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        'content-disposition': 'attachment; filename="x"',
        'content-language': 'en',
        'cache-control': 'max-age=1',
        expires: 'not a date',
        'x-amz-storage-class': 'STANDARD_IA',
        'x-amz-meta-owner': 'alice',
        'X-Amz-Meta-Mixed-Case': 'v',
        'x-amz-meta-mtime': '1609556645.5',
        'x-oss-hash-crc64ecma': '1234',
      });
      res.end('hello');
    });
    const out = await client({ crc64Header: 'x-oss-hash-crc64ecma' }).getObject('b', 'k k', { range: 'bytes=0-4', ifMatch: '"abc"' });
    expect((await readGuarded(out.body, 5, 'get')).toString()).toBe('hello');
    const { body: _body, ...headers } = out;
    expect(headers).toEqual({
      contentLength: 5,
      contentRange: 'bytes 0-4/10',
      etag: '"abc"',
      lastModifiedMs: Date.UTC(2021, 0, 2, 3, 4, 5),
      storageClass: 'STANDARD_IA',
      contentType: 'text/plain',
      contentEncoding: 'gzip',
      contentDisposition: 'attachment; filename="x"',
      contentLanguage: 'en',
      cacheControl: 'max-age=1',
      expires: 'not a date',
      metadata: { owner: 'alice', 'mixed-case': 'v', mtime: '1609556645.5' },
      crc64: '1234',
    });
    const req = seen[0]!;
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/b/k%20k');
    expect(req.headers.range).toBe('bytes=0-4');
    expect(req.headers['if-match']).toBe('"abc"');
    expect(req.headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;if-match;range;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(metadataFromHeaders(headers)).toEqual({
      metadata: {
        user: { owner: 'alice', 'mixed-case': 'v' },
        contentType: 'text/plain',
        contentEncoding: 'gzip',
        contentDisposition: 'attachment; filename="x"',
        contentLanguage: 'en',
        cacheControl: 'max-age=1',
        expires: 'not a date',
      },
      mtimeMs: 1609556645500,
    });
  });

  it('anonymous access sends no signature', async () => {
    handler = respond((_req, res) => res.writeHead(200, { 'content-length': '0' }).end());
    await client({ credentials: undefined }).headObject('b', 'k');
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[0]!.headers['x-amz-date']).toBeUndefined();
  });

  it('PutObject of a small body: one buffered request with Content-Length, Content-MD5, metadata; ETag and CRC64 returned', async () => {
    handler = respond((_req, res) => res.writeHead(200, { etag: '"e1"', 'x-cos-hash-crc64ecma': '99', 'content-length': '0' }).end());
    const headers = metadataToHeaders({ contentType: 'text/plain', cacheControl: 'no-cache', expires: '2030-01-01T00:00:00Z', user: { Owner: 'alice', note: 'caf\u00c3\u00a9' } }, Date.UTC(2020, 0, 1, 0, 0, 0, 5));
    headers['x-amz-storage-class'] = 'STANDARD_IA';
    const out = await client({ crc64Header: 'x-cos-hash-crc64ecma' }).putObject('b', 'a/b.txt', Readable.from([Buffer.from('hel'), Buffer.from('lo')]), {
      contentLength: 5,
      contentMd5: 'XUFAKrxLKna5cZ2REBfFkg==',
      headers,
    });
    expect(out).toEqual({ etag: '"e1"', crc64: '99' });
    const req = seen[0]!;
    expect(req.method).toBe('PUT');
    expect(req.body.toString()).toBe('hello');
    expect(req.headers).toMatchObject({
      'content-length': '5',
      'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==',
      'content-type': 'text/plain',
      'cache-control': 'no-cache',
      expires: 'Tue, 01 Jan 2030 00:00:00 GMT',
      'x-amz-meta-owner': 'alice',
      'x-amz-meta-mtime': '1577836800.005',
      'x-amz-storage-class': 'STANDARD_IA',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    });
    expect(req.headers['transfer-encoding']).toBeUndefined();
    expect(req.headers.expect).toBeUndefined();
    // UTF-8 bytes (as node reads them, latin1 chars) go back out as the same bytes.
    expect(Buffer.from(req.headers['x-amz-meta-note'] as string, 'latin1').toString('utf8')).toBe('café');
  });

  it('PutObject without a content type sends application/octet-stream, as the SDK did', async () => {
    handler = respond((_req, res) => res.writeHead(200, { etag: '"e"' }).end());
    await client().putObject('b', 'k', Readable.from([]), { contentLength: 0 });
    expect(seen[0]!.headers['content-type']).toBe('application/octet-stream');
    expect(seen[0]!.headers['content-length']).toBe('0');
  });

  it('a large body is streamed; from 2 MiB it waits for 100 Continue', async () => {
    handler = respond((_req, res) => res.writeHead(200, { etag: '"big"' }).end());
    const size = 3 * 1024 * 1024;
    const chunks = Array.from({ length: 12 }, (_, i) => Buffer.alloc(size / 12, i));
    const out = await client().uploadPart('b', 'k', 'up/1', 7, Readable.from(chunks), size);
    expect(out.etag).toBe('"big"');
    const req = seen[0]!;
    expect(req.url).toBe('/b/k?partNumber=7&uploadId=up%2F1');
    expect(req.headers.expect).toBe('100-continue');
    expect(req.body.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('CopyObject: copy source, directive and conditions as headers, Content-Length 0 (never chunked)', async () => {
    handler = respond((_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end('<CopyObjectResult><LastModified>2021-01-02T03:04:05.000Z</LastModified><ETag>&quot;c1&quot;</ETag></CopyObjectResult>'));
    const out = await client().copyObject('dst', 'to/k', 'src/a%20b%2Bc.bin', { 'x-amz-metadata-directive': 'REPLACE', 'x-amz-copy-source-if-match': '"e"', 'x-amz-copy-if-match': '"e"' });
    expect(out).toEqual({ etag: '"c1"', lastModifiedMs: Date.UTC(2021, 0, 2, 3, 4, 5), crc64: undefined });
    const req = seen[0]!;
    expect(req.headers).toMatchObject({ 'x-amz-copy-source': 'src/a%20b%2Bc.bin', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-copy-source-if-match': '"e"', 'x-amz-copy-if-match': '"e"', 'content-length': '0' });
    expect(req.headers['transfer-encoding']).toBeUndefined();
    expect(req.headers.authorization).toContain('x-amz-copy-if-match;x-amz-copy-source;x-amz-copy-source-if-match');
  });

  it('multipart: create, list parts (paged), complete with an XML body whose hash is signed, abort', async () => {
    handler = respond((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.searchParams.has('uploads')) {
        res.end('<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>');
      } else if (req.method === 'GET') {
        res.end(`<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>3</PartNumber><ETag>"p3"</ETag><Size>9</Size></Part></ListPartsResult>`);
      } else if (req.method === 'POST') {
        expect(body.toString()).toContain('<Part><ETag>&quot;p1&quot;</ETag><PartNumber>1</PartNumber></Part>');
        res.end('<CompleteMultipartUploadResult><ETag>"done-1"</ETag></CompleteMultipartUploadResult>');
      } else {
        res.writeHead(204).end();
      }
    });
    const c = client();
    expect(await c.createMultipartUpload('b', 'k', { 'content-type': 'x/y' })).toBe('U1');
    expect(await c.listParts('b', 'k', 'U1', '2')).toEqual({ parts: [{ partNumber: 3, etag: '"p3"', size: 9 }], isTruncated: false, nextPartNumberMarker: undefined });
    expect(await c.completeMultipartUpload('b', 'k', 'U1', [{ partNumber: 1, etag: '"p1"' }])).toEqual({ etag: '"done-1"', crc64: undefined });
    await c.abortMultipartUpload('b', 'k', 'U1');
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /b/k?uploads=', 'GET /b/k?part-number-marker=2&uploadId=U1', 'POST /b/k?uploadId=U1', 'DELETE /b/k?uploadId=U1']);
    expect(seen[0]!.headers['content-type']).toBe('x/y');
    const complete = seen[2]!;
    expect(complete.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(complete.headers['content-type']).toBe('application/xml');
  });

  it('ListObjectsV2: the query, and the parsed page', async () => {
    handler = respond((_req, res) =>
      res.end('<ListBucketResult><IsTruncated>false</IsTruncated><EncodingType>url</EncodingType><Contents><Key>a%2Bb</Key><Size>1</Size></Contents></ListBucketResult>'),
    );
    const page = await client().listObjectsV2('b', { prefix: 'p/', delimiter: '/', maxKeys: 1000, startAfter: 'p/a b', encodingType: 'url' });
    expect(page.contents.map((o) => o.key)).toEqual(['a%2Bb']);
    expect(seen[0]!.url).toBe('/b?delimiter=%2F&encoding-type=url&list-type=2&max-keys=1000&prefix=p%2F&start-after=p%2Fa%20b');
  });

  it('keeps connections alive between requests', async () => {
    const ports = new Set<number>();
    handler = respond((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.writeHead(200, { 'content-length': '0' }).end();
    });
    const c = client();
    for (let i = 0; i < 5; i++) await c.headObject('b', `k${i}`);
    expect(ports.size).toBe(1);
  });
});

describe('errors', () => {
  it('an error document gives its Code as name and Code, and the status', async () => {
    handler = respond((_req, res) => xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.'));
    const err = await rejection(client().getObject('b', 'k'));
    expect(err).toBeInstanceOf(S3ResponseError);
    expect(err).toMatchObject({ name: 'NoSuchKey', Code: 'NoSuchKey', message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404, requestId: 'tx1' } });
    const ferry = classifyS3Error(err, 'GetObject k');
    expect(ferry.code).toBe('NOT_FOUND');
    expect(ferry.message).toBe('GetObject k: NoSuchKey (404): The specified key does not exist.');
  });

  it('sorts every error document as the SDK error with that code and status', () => {
    const cases: [string, number][] = [
      ['AccessDenied', 403], ['SignatureDoesNotMatch', 403], ['InvalidAccessKeyId', 403], ['NoSuchBucket', 404], ['NoSuchKey', 404],
      ['NoSuchUpload', 404], ['PreconditionFailed', 412], ['SlowDown', 503], ['ServiceUnavailable', 503], ['InternalError', 500],
      ['RequestTimeout', 400], ['RequestTimeTooSkewed', 403], ['BadDigest', 400], ['InvalidDigest', 400], ['IncompleteBody', 400],
      ['InvalidRange', 416], ['InvalidStorageClass', 400], ['EntityTooLarge', 400], ['PermanentRedirect', 301], ['NotImplemented', 501],
    ];
    for (const [code, status] of cases) {
      const lean = errorFromBody(`<Error><Code>${code}</Code><Message>m</Message></Error>`, status);
      const sdk = Object.assign(new Error('m'), { name: code, Code: code, $metadata: { httpStatusCode: status } });
      expect(sortOf(lean), code).toEqual(sortOf(sdk));
    }
  });

  it('a HEAD error (no body) sorts as the SDK error for that status did', () => {
    for (const status of [301, 304, 400, 401, 403, 404, 405, 409, 412, 416, 429, 500, 501, 502, 503, 504]) {
      const lean = errorFromBody('', status);
      // The SDK named a bodiless 404 NotFound and anything else Unknown.
      const sdk = Object.assign(new Error('UnknownError'), { name: status === 404 ? 'NotFound' : 'Unknown', $metadata: { httpStatusCode: status } });
      expect(sortOf(lean), String(status)).toEqual(sortOf(sdk));
    }
    expect(errorFromBody('', 404).name).toBe('NotFound');
    expect(errorFromBody('', 403).name).toBe('AccessDenied');
    expect(errorFromBody('', 412).name).toBe('PreconditionFailed');
    expect(errorFromBody('<html>502 Bad Gateway</html>', 502).name).toBe('Unknown');
  });

  it('HEAD 404 / 403 / 412 over the wire', async () => {
    for (const [status, code] of [[404, 'NOT_FOUND'], [403, 'ACCESS_DENIED'], [412, 'PRECONDITION_FAILED'], [503, 'THROTTLED'], [500, 'SERVER_ERROR']] as const) {
      handler = respond((_req, res) => res.writeHead(status).end());
      const err = await rejection(client().headObject('b', 'k'));
      expect(classifyS3Error(err, 'HeadObject').code, String(status)).toBe(code);
    }
  });

  it('CopyObject, UploadPartCopy and Complete answered 200 with an error document or nothing fail (503)', async () => {
    handler = respond((_req, res) => res.writeHead(200).end('<?xml version="1.0"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>\n'));
    const c = client();
    const e1 = await rejection(c.copyObject('b', 'k', 'b/s', {}));
    expect(e1).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 503 } });
    expect(sortOf(e1)).toEqual({ code: 'SERVER_ERROR', retryable: true, fatal: false });
    handler = respond((_req, res) => res.writeHead(200).end());
    for (const p of [c.copyObject('b', 'k', 'b/s', {}), c.uploadPartCopy('b', 'k', 'u', 1, 'b/s', {}), c.completeMultipartUpload('b', 'k', 'u', [{ partNumber: 1, etag: '"e"' }])]) {
      expect(await rejection(p)).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 503 } });
    }
  });

  it('a dropped connection is a retryable NETWORK error', async () => {
    handler = (req) => req.socket.destroy();
    const err = await rejection(client().headObject('b', 'k'));
    expect(sortOf(err)).toEqual({ code: 'NETWORK', retryable: true, fatal: false });
  });

  it('a refusal before the body went out (100-continue) sends no body and leaves the client working', async () => {
    let bodyBytes = 0;
    server.once('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      req.on('data', (c: Buffer) => (bodyBytes += c.length));
      xmlError(res, 403, 'AccessDenied');
    });
    const size = 3 * 1024 * 1024;
    const c = client();
    const err = await rejection(c.uploadPart('b', 'k', 'u', 1, Readable.from([Buffer.alloc(size)]), size));
    expect(err).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(sortOf(err)).toEqual({ code: 'ACCESS_DENIED', retryable: false, fatal: true });
    expect(bodyBytes).toBe(0);
    handler = respond((_req, res) => res.writeHead(200, { 'content-length': '0' }).end());
    await c.headObject('b', 'k');
  });

  it('an early answer to a streamed body stops the upload', async () => {
    handler = (req, res) => {
      xmlError(res, 400, 'EntityTooLarge');
      req.resume();
    };
    const size = 1024 * 1024;
    const source = Readable.from((function* () {
      for (let i = 0; i < 16; i++) yield Buffer.alloc(size / 16);
    })());
    const err = await rejection(client().putObject('b', 'k', source, { contentLength: size }));
    expect(err).toMatchObject({ name: 'EntityTooLarge', $metadata: { httpStatusCode: 400 } });
  });

  it('a connection refused is a retryable NETWORK error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await rejection(client({ endpoint: `http://127.0.0.1:${port}` }).headObject('b', 'k'));
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(sortOf(err)).toEqual({ code: 'NETWORK', retryable: true, fatal: false });
  });

  it('a server that stops answering hits the idle timeout: TIMEOUT, retryable', async () => {
    handler = () => undefined;
    const err = await rejection(client({ http: { socketTimeoutMs: 200 } }).headObject('b', 'k'));
    expect(err.name).toBe('TimeoutError');
    expect(sortOf(err)).toEqual({ code: 'TIMEOUT', retryable: true, fatal: false });
  });

  it('a GET body that stalls midway errors on the stream after the idle timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345');
    };
    const out = await client({ http: { socketTimeoutMs: 200 } }).getObject('b', 'k');
    const err = await rejection(readGuarded(out.body, 10, 'get'));
    expect(sortOf(err).retryable).toBe(true);
  });

  it('the caller\'s signal aborts a request', async () => {
    handler = () => undefined;
    const ac = new AbortController();
    const p = client().putObject('b', 'k', Readable.from([Buffer.from('x')]), { contentLength: 1, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(p);
    expect(err.name).toBe('AbortError');
    expect(sortOf(err)).toEqual({ code: 'NETWORK', retryable: true, fatal: false });
  });

  it('adopts the server clock when ours is off by more than 5 minutes', async () => {
    const serverNow = Date.now() + 3600_000;
    handler = respond((_req, res) => {
      res.setHeader('date', new Date(serverNow).toUTCString());
      xmlError(res, 403, 'RequestTimeTooSkewed');
    });
    const c = client();
    await rejection(c.headObject('b', 'k'));
    handler = respond((_req, res) => res.writeHead(200).end());
    await c.headObject('b', 'k');
    const date = seen[1]!.headers['x-amz-date'] as string;
    const sent = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    expect(Math.abs(sent - serverNow)).toBeLessThan(10_000);
  });
});

describe('request bodies that fail', () => {
  /** A source that sends `good`, then fails. */
  function failing(good: Buffer, after = 20): Readable {
    let sent = false;
    return new Readable({
      read() {
        if (sent) {
          setTimeout(() => this.destroy(new Error('source connection dropped')), after);
          return;
        }
        sent = true;
        this.push(good);
      },
    });
  }

  it('a small body that fails is never sent', async () => {
    handler = respond((_req, res) => res.end());
    const guarded = guardBody(failing(Buffer.alloc(1000)), 4000, 'put');
    const err = await rejection(client().putObject('b', 'k', guarded.body, { contentLength: 4000 }));
    expect(err).toBeInstanceOf(FerryError);
    expect(guarded.failure()?.message).toBe('put: body failed: source connection dropped');
    expect(seen).toHaveLength(0);
  });

  it('a large streamed body that fails aborts the request at once', async () => {
    let received = 0;
    let closedEarly = false;
    handler = (req, res) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('close', () => (closedEarly = received < 4 * 1024 * 1024));
      req.on('end', () => res.end());
    };
    const guarded = guardBody(failing(Buffer.alloc(1024 * 1024), 50), 4 * 1024 * 1024, 'part');
    const started = Date.now();
    const err = await rejection(client().uploadPart('b', 'k', 'u', 1, guarded.body, 4 * 1024 * 1024));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(guarded.failure()?.code).toBe('NETWORK');
    expect(err).toBe(guarded.failure());
    await new Promise((r) => setTimeout(r, 50));
    expect(closedEarly).toBe(true);
  });

  it('a body shorter or longer than announced fails (VERIFY_FAILED) before or while sending', async () => {
    handler = respond((_req, res) => res.end());
    const short = guardBody(Readable.from([Buffer.alloc(10)]), 20, 'short');
    await rejection(client().putObject('b', 'k', short.body, { contentLength: 20 }));
    expect(short.failure()?.code).toBe('VERIFY_FAILED');
    const long = guardBody(Readable.from([Buffer.alloc(30)]), 20, 'long');
    await rejection(client().putObject('b', 'k', long.body, { contentLength: 20 }));
    expect(long.failure()?.message).toBe('long: body is longer than the 20 bytes announced');
    expect(seen).toHaveLength(0);
  });

  it('a source that closes before its end fails the guarded body', async () => {
    const source = new Readable({ read() {} });
    const guarded = guardBody(source, 100, 'closed');
    source.push(Buffer.alloc(10));
    setTimeout(() => source.destroy(), 20);
    await rejection(readGuarded(guarded.body, 100, 'closed'));
    expect(guarded.failure()?.message).toMatch(/premature close/);
  });
});

describe('readGuarded (small bodies, read whole before sending)', () => {
  it('gives the bytes of a body of exactly the size announced', async () => {
    expect((await readGuarded(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 3, 'x')).toString()).toBe('abc');
    expect((await readGuarded(Readable.from([]), 0, 'x')).length).toBe(0);
  });

  it('fails as guardBody does: short, long, a failing source, an early close', async () => {
    const short = await rejection(readGuarded(Readable.from([Buffer.alloc(10)]), 20, 'short'));
    expect(short).toMatchObject({ code: 'VERIFY_FAILED', retryable: true, message: 'short: body ended after 10 of 20 bytes' });
    const longSource = Readable.from([Buffer.alloc(15), Buffer.alloc(15)]);
    const long = await rejection(readGuarded(longSource, 20, 'long'));
    expect(long).toMatchObject({ code: 'VERIFY_FAILED', message: 'long: body is longer than the 20 bytes announced' });
    expect(longSource.destroyed).toBe(true);
    const failingSource = new Readable({
      read() {
        this.destroy(new Error('source connection dropped'));
      },
    });
    expect(await rejection(readGuarded(failingSource, 5, 'f'))).toMatchObject({ code: 'NETWORK', retryable: true, message: 'f: body failed: source connection dropped' });
    const verdict = new FerryError('VERIFY_FAILED', 'hash mismatch', { retryable: true });
    const ferrySource = new Readable({
      read() {
        this.destroy(verdict);
      },
    });
    expect(await rejection(readGuarded(ferrySource, 5, 'f'))).toBe(verdict);
    const closing = new Readable({ read() {} });
    setTimeout(() => closing.destroy(), 10);
    expect(await rejection(readGuarded(closing, 5, 'c'))).toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/premature close/) as unknown });
  });

  it('stops on the caller\'s signal', async () => {
    const ac = new AbortController();
    const source = new Readable({ read() {} });
    setTimeout(() => ac.abort(), 10);
    const err = await rejection(readGuarded(source, 5, 'a', ac.signal));
    expect(err.name).toBe('AbortError');
    expect(source.destroyed).toBe(true);
  });
});

describe('metadata headers', () => {
  it('sends header-safe values as they are and others as RFC 2047 encoded words', () => {
    expect(metadataHeaderValue('plain ascii')).toBe('plain ascii');
    expect(metadataHeaderValue('caf\u00e9')).toBe('caf\u00e9');
    expect(metadataHeaderValue('中文')).toBe(`=?UTF-8?B?${Buffer.from('中文').toString('base64')}?=`);
    expect(metadataHeaderValue('line\nbreak')).toBe(`=?UTF-8?B?${Buffer.from('line\nbreak').toString('base64')}?=`);
  });

  it('writes content headers, an HTTP-date Expires (dropped when unparseable), lower-case user keys and the mtime', () => {
    expect(metadataToHeaders({ expires: 'garbage', contentLanguage: 'de', user: { 'X-Up': '1', mtime: 'overridden' } }, 1_000)).toEqual({
      'content-language': 'de',
      'x-amz-meta-x-up': '1',
      'x-amz-meta-mtime': '1.000',
    });
  });
});
