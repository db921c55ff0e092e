import { createHash } from 'node:crypto';
import { readGuarded } from '../guarded-body.js';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { HttpTransport, readBody, type HttpTransportOptions } from './http.js';
import { EMPTY_SHA256, SigV4Signer, UNSIGNED_PAYLOAD, canonicalQuery, encodeKeyPath, uriEncode, type SigV4Credentials } from './sigv4.js';
import {
  completeMultipartUploadXml,
  parseCompleteMultipartUpload,
  parseCopyResult,
  parseErrorBody,
  parseInitiateMultipartUpload,
  parseListObjectsV2,
  parseListParts,
  type ListObjectsV2Result,
  type ListPartsResult,
} from './xml.js';

export interface LeanS3Config {
  /** `http(s)://host[:port][/base/path]`. */
  endpoint: string;
  region: string;
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint`. */
  pathStyle: boolean;
  /** Absent: anonymous access, requests go unsigned. */
  credentials?: SigV4Credentials | undefined;
  /** Response header with the object's CRC64, for providers that send one. */
  crc64Header?: string | undefined;
  http?: Partial<HttpTransportOptions> | undefined;
}

const DEFAULT_HTTP: HttpTransportOptions = {
  maxSockets: 256,
  keepAliveMsecs: 10_000,
  connectionTimeoutMs: 10_000,
  socketTimeoutMs: 120_000,
  continueTimeoutMs: 6_000,
};

/** Bodies from this size on are announced with `Expect: 100-continue` (as the SDK does), so a refused upload sends nothing. */
const EXPECT_CONTINUE_BYTES = 2 * 1024 * 1024;

/**
 * Bodies up to this size are read whole before the request goes out, then
 * sent with its head in one write: one syscall instead of two or more, and
 * no stream plumbing per object. A body that fails is then never sent at all.
 */
export const BUFFERED_BODY_BYTES = 256 * 1024;

/** Sent on every request (not signed), so server logs can tell Ferry's requests apart. */
const USER_AGENT = 'ferry (lean-s3)';

/** Skew beyond which the server's clock is trusted over ours (SigV4 allows 15 minutes). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * An S3 error response, shaped as the AWS SDK shapes its exceptions (`name`
 * and `Code` from the error document, `$metadata.httpStatusCode`), so that
 * `classifyS3Error` sorts both alike.
 */
export class S3ResponseError extends Error {
  readonly Code: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId?: string | undefined };

  constructor(code: string, message: string, status: number, requestId?: string) {
    super(message);
    this.name = code;
    this.Code = code;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, requestId };
  }
}

/**
 * Names for error responses without an error document (every HEAD, some
 * proxies). Each sorts in `classifyS3Error` exactly as the bare status would:
 * only names whose class is the status's class.
 */
const STATUS_NAMES: Record<number, string> = {
  304: 'NotModified',
  400: 'BadRequest',
  403: 'AccessDenied',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'SlowDown',
};

/** What object responses (HEAD, GET, and a PUT's ETag) say in their headers. */
export interface ObjectHeaders {
  contentLength: number | undefined;
  contentRange: string | undefined;
  etag: string | undefined;
  lastModifiedMs: number | undefined;
  storageClass: string | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  contentDisposition: string | undefined;
  contentLanguage: string | undefined;
  cacheControl: string | undefined;
  /** The raw `Expires` header. */
  expires: string | undefined;
  /** `x-amz-meta-*` headers by their lower-case suffix. */
  metadata: Record<string, string>;
  crc64: string | undefined;
}

export interface GetObjectOutput extends ObjectHeaders {
  /** The response itself: bytes are read straight off the socket. */
  body: IncomingMessage;
}

export interface WriteOutput {
  etag: string | undefined;
  crc64: string | undefined;
}

interface Call {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key?: string | undefined;
  query?: Record<string, string | undefined> | undefined;
  headers?: Record<string, string> | undefined;
  body?: Buffer | Readable | undefined;
  /** For a buffered body: its hash if it should be signed, else `UNSIGNED_PAYLOAD` (the default for streams). */
  payloadHash?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Just the S3 operations Ferry uses, over node:http with SigV4 done here:
 * about a tenth of the AWS SDK's CPU per request. Errors are `S3ResponseError`s
 * for answers, node's own errors for the network, timeouts `TimeoutError`.
 */
export class LeanS3Client {
  private readonly http: HttpTransport;
  private readonly signer: SigV4Signer | undefined;
  private readonly hostname: string;
  private readonly port: number;
  /** `host[:port]` as the Host header has it. */
  private readonly host: string;
  private readonly basePath: string;
  private readonly pathStyle: boolean;
  private readonly crc64Header: string | undefined;
  private readonly virtualHostableDots: boolean;
  private clockOffsetMs = 0;

  constructor(config: LeanS3Config) {
    const url = new URL(config.endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`S3 endpoint ${config.endpoint}: http or https only`);
    this.hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    this.host = url.host;
    this.basePath = url.pathname.replace(/\/+$/, '');
    // An IP address has no sub-domains to put a bucket in.
    this.pathStyle = config.pathStyle || isIP(this.hostname) !== 0;
    // A dotted bucket as a sub-domain breaks TLS (the wildcard certificate covers one label).
    this.virtualHostableDots = url.protocol === 'http:';
    this.crc64Header = config.crc64Header?.toLowerCase();
    this.signer = config.credentials ? new SigV4Signer(config.credentials, config.region, 's3') : undefined;
    this.http = new HttpTransport(url.protocol, { ...DEFAULT_HTTP, ...config.http });
  }

  // ------------------------------------------------------------ operations

  async listObjectsV2(
    bucket: string,
    params: { prefix?: string | undefined; delimiter?: string | undefined; maxKeys?: number | undefined; continuationToken?: string | undefined; startAfter?: string | undefined; encodingType?: string | undefined },
  ): Promise<ListObjectsV2Result> {
    const res = await this.call({
      method: 'GET',
      bucket,
      query: {
        'list-type': '2',
        prefix: params.prefix,
        delimiter: params.delimiter,
        'max-keys': params.maxKeys === undefined ? undefined : String(params.maxKeys),
        'continuation-token': params.continuationToken,
        'start-after': params.startAfter,
        'encoding-type': params.encodingType,
      },
    });
    return parseListObjectsV2(await bodyText(res));
  }

  async headObject(bucket: string, key: string): Promise<ObjectHeaders> {
    const res = await this.call({ method: 'HEAD', bucket, key });
    await drain(res);
    return this.objectHeaders(res.headers);
  }

  /** `range` as in the Range header (`bytes=0-99`); `ifMatch` a quoted ETag. */
  async getObject(bucket: string, key: string, options: { range?: string | undefined; ifMatch?: string | undefined } = {}): Promise<GetObjectOutput> {
    const headers: Record<string, string> = {};
    if (options.range !== undefined) headers.range = options.range;
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    const res = await this.call({ method: 'GET', bucket, key, headers });
    const out = this.objectHeaders(res.headers) as GetObjectOutput;
    out.body = res;
    return out;
  }

  /**
   * Writes `body` (exactly `contentLength` bytes: a buffer, or a stream, read
   * whole first when small) as the object. `headers` carry metadata, storage
   * class and the like (lower-case names).
   */
  async putObject(
    bucket: string,
    key: string,
    body: Readable | Buffer,
    options: { contentLength: number; contentMd5?: string | undefined; headers?: Record<string, string> | undefined; signal?: AbortSignal | undefined },
  ): Promise<WriteOutput> {
    const headers: Record<string, string> = { ...options.headers, 'content-length': String(options.contentLength) };
    // What the SDK sends for a body of no stated type; servers store it as the object's type.
    headers['content-type'] ??= 'application/octet-stream';
    if (options.contentMd5 !== undefined) headers['content-md5'] = options.contentMd5;
    const payload = Buffer.isBuffer(body) ? body : await bodyToSend(body, options.contentLength, options.signal);
    const res = await this.call({ method: 'PUT', bucket, key, headers, body: payload, payloadHash: UNSIGNED_PAYLOAD, signal: options.signal });
    await drain(res);
    return this.writeOutput(res.headers);
  }

  async createMultipartUpload(bucket: string, key: string, headers: Record<string, string>): Promise<string | undefined> {
    const res = await this.call({ method: 'POST', bucket, key, query: { uploads: '' }, headers });
    return parseInitiateMultipartUpload(await bodyText(res)).uploadId;
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable, contentLength: number, signal?: AbortSignal): Promise<WriteOutput> {
    const res = await this.call({
      method: 'PUT',
      bucket,
      key,
      query: { partNumber: String(partNumber), uploadId },
      headers: { 'content-length': String(contentLength) },
      body: await bodyToSend(body, contentLength, signal),
      payloadHash: UNSIGNED_PAYLOAD,
      signal,
    });
    await drain(res);
    return this.writeOutput(res.headers);
  }

  /** `parts[].etag` as the server gave them (quoted). */
  async completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<WriteOutput> {
    const body = Buffer.from(completeMultipartUploadXml(parts), 'utf8');
    const res = await this.call({ method: 'POST', bucket, key, query: { uploadId }, headers: { 'content-type': 'application/xml', 'content-length': String(body.length) }, body });
    const text = await this.bodyOr200Error(res);
    return { etag: parseCompleteMultipartUpload(text).etag, crc64: this.crc64Of(res.headers) };
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const res = await this.call({ method: 'DELETE', bucket, key, query: { uploadId } });
    await drain(res);
  }

  async listParts(bucket: string, key: string, uploadId: string, partNumberMarker?: string): Promise<ListPartsResult> {
    const res = await this.call({ method: 'GET', bucket, key, query: { uploadId, 'part-number-marker': partNumberMarker } });
    return parseListParts(await bodyText(res));
  }

  /**
   * CopyObject. `copySource` is `bucket/key` URL-encoded; `headers` carry the
   * metadata directive, conditions and the replacement metadata.
   */
  async copyObject(bucket: string, key: string, copySource: string, headers: Record<string, string>): Promise<WriteOutput & { lastModifiedMs: number | undefined }> {
    const res = await this.call({ method: 'PUT', bucket, key, headers: { ...headers, 'x-amz-copy-source': copySource } });
    const result = parseCopyResult(await this.bodyOr200Error(res));
    return { etag: result.etag, lastModifiedMs: result.lastModifiedMs, crc64: this.crc64Of(res.headers) };
  }

  async uploadPartCopy(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    copySource: string,
    options: { range?: string | undefined; ifMatch?: string | undefined },
  ): Promise<{ etag: string | undefined }> {
    const headers: Record<string, string> = { 'x-amz-copy-source': copySource };
    if (options.range !== undefined) headers['x-amz-copy-source-range'] = options.range;
    if (options.ifMatch !== undefined) headers['x-amz-copy-source-if-match'] = options.ifMatch;
    const res = await this.call({ method: 'PUT', bucket, key, query: { partNumber: String(partNumber), uploadId }, headers });
    return { etag: parseCopyResult(await this.bodyOr200Error(res)).etag };
  }

  destroy(): void {
    this.http.destroy();
  }

  // ------------------------------------------------------------ plumbing

  /** Where a request for this bucket and key goes: the host to connect to, the Host header, the path (encoded). */
  target(bucket: string, key: string | undefined): { hostname: string; host: string; path: string } {
    const keyPath = key === undefined ? '' : `/${encodeKeyPath(key)}`;
    if (!this.pathStyle && this.isVirtualHostable(bucket)) {
      return { hostname: `${bucket}.${this.hostname}`, host: `${bucket}.${this.host}`, path: `${this.basePath}${keyPath || '/'}` };
    }
    return { hostname: this.hostname, host: this.host, path: `${this.basePath}/${uriEncode(bucket)}${keyPath}` };
  }

  /** Sends one request; resolves with a 2xx response, throws `S3ResponseError` for any other. */
  private async call(c: Call): Promise<IncomingMessage> {
    const { hostname, host, path } = this.target(c.bucket, c.key);
    const query = c.query === undefined ? '' : canonicalQuery(c.query);
    const headers = c.headers ?? {};
    headers.host = host;
    headers['user-agent'] = USER_AGENT;
    const body = c.body;
    const streamed = body !== undefined && !Buffer.isBuffer(body);
    // Else node would send a bodiless PUT or POST chunked, which servers refuse (Ceph: 501 for CopyObject).
    if (body === undefined && (c.method === 'PUT' || c.method === 'POST')) headers['content-length'] = '0';
    if (this.signer) {
      const payloadHash = body === undefined ? EMPTY_SHA256 : streamed ? UNSIGNED_PAYLOAD : (c.payloadHash ?? createHash('sha256').update(body).digest('hex'));
      this.signer.sign({ method: c.method, path, query, headers }, { payloadHash, now: Date.now() + this.clockOffsetMs });
    }
    const length = streamed ? Number(headers['content-length']) : 0;
    const expectContinue = streamed && length >= EXPECT_CONTINUE_BYTES;
    if (expectContinue) headers.expect = '100-continue';
    const res = await this.http.request({
      method: c.method,
      hostname,
      port: this.port,
      path: query ? `${path}?${query}` : path,
      headers,
      body,
      expectContinue,
      signal: c.signal,
    });
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    throw await this.errorOf(res, status);
  }

  /** The error an error response stands for; its body (none for a HEAD) read to the end. */
  private async errorOf(res: IncomingMessage, status: number): Promise<Error> {
    this.noteServerTime(res.headers.date);
    const text = await bodyText(res).catch(() => '');
    return errorFromBody(text, status);
  }

  /**
   * The body of a CopyObject, UploadPartCopy or CompleteMultipartUpload
   * response, which S3 may answer 200 and then fail in the body: an empty
   * body or an error document there is an error (503, as the SDK has it).
   */
  private async bodyOr200Error(res: IncomingMessage): Promise<string> {
    const text = await bodyText(res);
    if (text.length === 0) throw new S3ResponseError('InternalError', 'S3 aborted request', 503);
    if (text.trimEnd().endsWith('</Error>')) throw errorFromBody(text, 503);
    return text;
  }

  /** Adopts the server's clock when ours is far off (the SDK's systemClockOffset). */
  private noteServerTime(date: string | undefined): void {
    if (date === undefined) return;
    const server = Date.parse(date);
    if (Number.isNaN(server)) return;
    const now = Date.now();
    if (Math.abs(server - (now + this.clockOffsetMs)) >= CLOCK_SKEW_MS) this.clockOffsetMs = server - now;
  }

  private isVirtualHostable(bucket: string): boolean {
    if (bucket.length < 3 || bucket.length > 63 || !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) return false;
    if (bucket.includes('.')) {
      if (!this.virtualHostableDots || bucket.includes('..') || bucket.includes('.-') || bucket.includes('-.')) return false;
      if (isIP(bucket) !== 0) return false;
    }
    return true;
  }

  private objectHeaders(h: IncomingHttpHeaders): ObjectHeaders {
    const metadata: Record<string, string> = {};
    for (const name of Object.keys(h)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice(11)] = h[name] as string;
    }
    const length = h['content-length'];
    const modified = h['last-modified'];
    const modifiedMs = modified === undefined ? NaN : Date.parse(modified);
    return {
      contentLength: length === undefined ? undefined : Number(length),
      contentRange: h['content-range'],
      etag: h.etag,
      lastModifiedMs: Number.isNaN(modifiedMs) ? undefined : modifiedMs,
      storageClass: h['x-amz-storage-class'] as string | undefined,
      contentType: h['content-type'],
      contentEncoding: h['content-encoding'] as string | undefined,
      contentDisposition: h['content-disposition'],
      contentLanguage: h['content-language'],
      cacheControl: h['cache-control'],
      expires: h.expires,
      metadata,
      crc64: this.crc64Of(h),
    };
  }

  private writeOutput(h: IncomingHttpHeaders): WriteOutput {
    return { etag: h.etag, crc64: this.crc64Of(h) };
  }

  private crc64Of(h: IncomingHttpHeaders): string | undefined {
    if (this.crc64Header === undefined) return undefined;
    const value = h[this.crc64Header];
    return typeof value === 'string' && value !== '' ? value : undefined;
  }
}

/** A small body read whole (see BUFFERED_BODY_BYTES), a large one as the stream it is. */
async function bodyToSend(body: Readable, length: number, signal: AbortSignal | undefined): Promise<Buffer | Readable> {
  return length <= BUFFERED_BODY_BYTES ? readGuarded(body, length, 'request body', signal) : body;
}

/**
 * Reads a response without a body of interest to its end, so that its socket
 * is back in the pool before the caller's next request (which would open a
 * new connection otherwise).
 */
async function drain(res: IncomingMessage): Promise<void> {
  if (res.readableEnded) return;
  await readBody(res);
}

async function bodyText(res: IncomingMessage): Promise<string> {
  return (await readBody(res)).toString('utf8');
}

/** The error an error response stands for: its document's Code and Message, else a name for the status. */
export function errorFromBody(text: string, status: number): S3ResponseError {
  const doc = parseErrorBody(text);
  const code = doc?.code ?? STATUS_NAMES[status] ?? 'Unknown';
  return new S3ResponseError(code, doc?.message ?? code, status, doc?.requestId);
}
