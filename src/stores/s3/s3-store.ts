import type { Readable } from 'node:stream';
import { FerryError, compareKeys, isFerryError, normalizeEtag, withRetry, type ObjectHead, type ObjectInfo, type ObjectMetadata } from '../../core/index.js';
import type { CompletedPart, LevelEntry, LevelListing, MultipartLimits, ServerCopyOptions, ServerSideCopy } from '../capabilities.js';
import type { GetOptions, GetResult, ListOptions, ObjectStore, PutOptions, PutResult, VersionTag } from '../object-store.js';
import { describeSpec, type S3Spec } from '../store-spec.js';
import { guardBody, readGuarded } from './guarded-body.js';
import { BUFFERED_BODY_BYTES, LeanS3Client, type ObjectHeaders } from './lean/lean-s3-client.js';
import type { ListObjectsV2Result, ListedObject } from './lean/xml.js';
import { classifyS3Error } from './s3-errors.js';
import { metadataFromHeaders, metadataToHeaders } from './s3-metadata.js';
import { providerQuirks, type ProviderQuirks } from './providers.js';

/** ListObjectsV2 returns at most 1,000 keys per page. */
const LIST_PAGE_SIZE = 1000;
/** Attempts per LIST page: as many as an object gets by default (a lost page stops the whole run). */
const LIST_ATTEMPTS = 11;

/**
 * Any S3-compatible endpoint. Keys given to and returned by this store are
 * relative to the address's prefix. Provider differences come from the
 * quirks table, not from branches here.
 */
export class S3Store implements ServerSideCopy, LevelListing {
  readonly kind = 's3';
  readonly description: string;
  readonly quirks: ProviderQuirks;
  readonly multipartLimits: MultipartLimits;
  readonly etagIsMd5: boolean;
  readonly returnsCrc64: boolean;
  readonly multipartEtagIsMd5OfParts: boolean;
  readonly bucket: string;
  readonly prefix: string;
  /** Two stores with the same identity can copy server-side between their buckets. */
  readonly copyIdentity: string;
  private readonly client: LeanS3Client;
  private closed = false;
  /** ListObjectsV2 requests sent (status and tests show listing is not redone). */
  listRequests = 0;
  /** LIST requests sent again after a retryable failure (counted with the run's retries). */
  listRetries = 0;

  constructor(spec: S3Spec, client?: LeanS3Client) {
    this.quirks = providerQuirks(spec.provider);
    this.description = describeSpec(spec);
    this.bucket = spec.bucket;
    this.prefix = spec.prefix;
    this.client =
      client ??
      new LeanS3Client({
        endpoint: spec.endpoint,
        region: spec.region ?? this.quirks.defaultRegion,
        pathStyle: spec.pathStyle ?? this.quirks.pathStyle,
        // Anonymous access (public buckets): requests go unsigned.
        credentials: spec.credentials,
        crc64Header: this.quirks.crc64Header,
        http: spec.ioTimeoutMs === undefined ? undefined : { socketTimeoutMs: spec.ioTimeoutMs },
      });
    this.etagIsMd5 = this.quirks.etagIsMd5;
    this.returnsCrc64 = this.quirks.crc64Header !== undefined;
    this.multipartEtagIsMd5OfParts = this.quirks.multipartEtagIsMd5OfParts;
    this.multipartLimits = {
      maxParts: this.quirks.maxParts,
      minPartSize: this.quirks.minPartSize,
      maxPartSize: this.quirks.maxPartSize,
      maxSinglePutSize: this.quirks.maxSinglePutSize,
    };
    this.copyIdentity = `${spec.endpoint.replace(/\/+$/, '')}|${spec.credentials?.accessKeyId ?? ''}`;
  }

  private fullKey(key: string): string {
    return this.prefix + key;
  }

  private fail(err: unknown, op: string, key?: string): FerryError {
    const target = key === undefined ? `bucket ${this.bucket}` : JSON.stringify(this.fullKey(key));
    return classifyS3Error(err, `${this.description}: ${op} ${target}`);
  }

  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    for await (const page of this.pages(options.prefix ?? '', options.startAfter, undefined)) {
      for (const item of page.contents) {
        const info = this.toInfo(page, item);
        if (info) yield info;
      }
    }
  }

  /** One level below `prefix` (delimiter `/`): objects and sub-prefixes, merged in byte order. */
  async *listLevel(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<LevelEntry> {
    for await (const page of this.pages(prefix, options.startAfter, '/')) {
      const entries: LevelEntry[] = [];
      for (const item of page.contents) {
        const info = this.toInfo(page, item);
        if (info) entries.push({ object: info });
      }
      for (const cp of page.commonPrefixes) {
        const full = this.decodeKey(page, cp);
        if (full.startsWith(this.prefix)) entries.push({ prefix: full.slice(this.prefix.length) });
      }
      // S3 sends a page's objects and prefixes in two lists; each page covers one contiguous key range.
      entries.sort((a, b) => compareKeys('object' in a ? a.object.key : a.prefix, 'object' in b ? b.object.key : b.prefix));
      yield* entries;
    }
  }

  /** ListObjectsV2 pages, each next page requested while the caller works through the current one. */
  private async *pages(subPrefix: string, startAfterKey: string | undefined, delimiter: string | undefined): AsyncGenerator<ListObjectsV2Result> {
    const listPrefix = this.fullKey(subPrefix);
    const startAfter = startAfterKey === undefined ? undefined : this.fullKey(startAfterKey);
    const fetchPage = (token: string | undefined): Promise<ListObjectsV2Result> =>
      withRetry(async () => {
        try {
          this.listRequests++;
          return await this.client.listObjectsV2(this.bucket, {
            prefix: listPrefix || undefined,
            delimiter,
            maxKeys: LIST_PAGE_SIZE,
            continuationToken: token,
            startAfter: token === undefined ? startAfter : undefined,
            encodingType: this.quirks.listUrlEncoding ? 'url' : undefined,
          });
        } catch (err) {
          throw this.fail(err, 'ListObjectsV2');
        }
      }, { attempts: LIST_ATTEMPTS, onRetry: () => void this.listRetries++ });

    let page = await fetchPage(undefined);
    for (;;) {
      const token = page.isTruncated ? page.nextContinuationToken : undefined;
      if (page.isTruncated && !token) {
        // Without a token the loop would either stop early or spin forever.
        throw new FerryError('SERVER_ERROR', `${this.description}: truncated listing without a continuation token`);
      }
      const next = token === undefined ? undefined : fetchPage(token);
      next?.catch(() => undefined);
      yield page;
      if (next === undefined) return;
      page = await next;
    }
  }

  private decodeKey(page: ListObjectsV2Result, key: string): string {
    return page.encodingType === 'url' ? decodeListedKey(key) : key;
  }

  private toInfo(page: ListObjectsV2Result, item: ListedObject): ObjectInfo | undefined {
    if (item.key === undefined) return undefined;
    const full = this.decodeKey(page, item.key);
    if (!full.startsWith(this.prefix)) return undefined;
    const mtimeMs = item.lastModifiedMs ?? 0;
    return {
      key: full.slice(this.prefix.length),
      size: item.size ?? 0,
      etag: normalizeEtag(item.etag),
      mtimeMs,
      storedMs: mtimeMs,
      storageClass: item.storageClass ?? 'STANDARD',
    };
  }

  async head(key: string): Promise<ObjectHead> {
    try {
      return this.toHead(key, await this.client.headObject(this.bucket, this.fullKey(key)));
    } catch (err) {
      throw this.fail(err, 'HeadObject', key);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const { range, ifMatch } = options;
    try {
      const out = await this.client.getObject(this.bucket, this.fullKey(key), {
        range: range ? `bytes=${range.start}-${range.end}` : undefined,
        ifMatch: ifMatch?.etag ? quote(ifMatch.etag) : undefined,
      });
      const body: Readable = out.body;
      const head = this.toHead(key, out);
      // Without an ETag to match, a changed size is the only sign the object moved on.
      if (ifMatch && !ifMatch.etag && !range && head.size !== ifMatch.size) {
        body.destroy();
        throw new FerryError('PRECONDITION_FAILED', `${this.description}: ${key} changed size since it was listed`);
      }
      return { body, length: out.contentLength ?? head.size, head };
    } catch (err) {
      throw this.fail(err, 'GetObject', key);
    }
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const label = `${this.description}: PutObject ${JSON.stringify(this.fullKey(key))}`;
    if (options.size <= BUFFERED_BODY_BYTES) {
      // A small object is read whole first and then sent in one write: a body that fails never reaches the server.
      let payload: Buffer;
      try {
        payload = await readGuarded(body, options.size, label, options.signal);
      } catch (err) {
        throw isFerryError(err) ? err : this.fail(err, 'PutObject', key);
      }
      try {
        return await this.putObject(key, payload, options, options.signal);
      } catch (err) {
        throw this.fail(err, 'PutObject', key);
      }
    }
    const guarded = guardBody(body, options.size, label, options.signal);
    try {
      return await this.putObject(key, guarded.body, options, guarded.signal);
    } catch (err) {
      const failure = guarded.failure();
      guarded.destroy();
      throw failure ?? this.fail(err, 'PutObject', key);
    } finally {
      guarded.dispose();
    }
  }

  /** One PutObject: a small body already read (head and body in one write), or a guarded stream. */
  private async putObject(key: string, body: Buffer | Readable, options: PutOptions, signal: AbortSignal | undefined): Promise<PutResult> {
    const out = await this.client.putObject(this.bucket, this.fullKey(key), body, {
      contentLength: options.size,
      contentMd5: options.contentMd5,
      headers: writeHeaders(options.metadata, options.mtimeMs, options.storageClass),
      signal,
    });
    return { etag: normalizeEtag(out.etag), crc64: out.crc64 };
  }

  async createMultipart(key: string, options: { metadata: ObjectMetadata; mtimeMs: number; storageClass?: string | undefined }): Promise<string> {
    try {
      const uploadId = await this.client.createMultipartUpload(this.bucket, this.fullKey(key), writeHeaders(options.metadata, options.mtimeMs, options.storageClass));
      if (!uploadId) throw new FerryError('SERVER_ERROR', 'no UploadId returned', { retryable: true });
      return uploadId;
    } catch (err) {
      throw this.fail(err, 'CreateMultipartUpload', key);
    }
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number, signal?: AbortSignal): Promise<{ etag: string; crc64?: string | undefined }> {
    const guarded = guardBody(body, size, `${this.description}: UploadPart ${partNumber} of ${JSON.stringify(this.fullKey(key))}`, signal);
    try {
      const out = await this.client.uploadPart(this.bucket, this.fullKey(key), uploadId, partNumber, guarded.body, size, guarded.signal);
      const etag = normalizeEtag(out.etag);
      if (!etag) throw new FerryError('SERVER_ERROR', `part ${partNumber}: no ETag returned`, { retryable: true });
      return { etag, crc64: out.crc64 };
    } catch (err) {
      const failure = guarded.failure();
      guarded.destroy();
      throw failure ?? this.fail(err, `UploadPart ${partNumber}`, key);
    } finally {
      guarded.dispose();
    }
  }

  async completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<PutResult> {
    try {
      const out = await this.client.completeMultipartUpload(
        this.bucket,
        this.fullKey(key),
        uploadId,
        parts.map((p) => ({ partNumber: p.partNumber, etag: quote(p.etag) })),
      );
      let etag = normalizeEtag(out.etag);
      let crc64 = out.crc64;
      if (!etag) {
        // Ceph 16 answers Complete with an empty ETag; a HEAD has the right one.
        const head = await this.head(key);
        etag = head.etag;
        crc64 ??= head.crc64;
      }
      return { etag, crc64 };
    } catch (err) {
      throw this.fail(err, 'CompleteMultipartUpload', key);
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.abortMultipartUpload(this.bucket, this.fullKey(key), uploadId);
    } catch (err) {
      const e = this.fail(err, 'AbortMultipartUpload', key);
      if (e.code !== 'NOT_FOUND') throw e;
    }
  }

  async listParts(key: string, uploadId: string): Promise<CompletedPart[]> {
    const parts: CompletedPart[] = [];
    let marker: string | undefined;
    try {
      for (;;) {
        const out = await this.client.listParts(this.bucket, this.fullKey(key), uploadId, marker);
        for (const p of out.parts) {
          const etag = normalizeEtag(p.etag);
          if (p.partNumber !== undefined && etag) parts.push({ partNumber: p.partNumber, etag, size: p.size });
        }
        if (!out.isTruncated || out.nextPartNumberMarker === undefined) return parts;
        marker = out.nextPartNumberMarker;
      }
    } catch (err) {
      throw this.fail(err, 'ListParts', key);
    }
  }

  canCopyFrom(source: ObjectStore): boolean {
    return source instanceof S3Store && source.copyIdentity === this.copyIdentity;
  }

  async copyFrom(source: ObjectStore, srcKey: string, dstKey: string, options: ServerCopyOptions): Promise<PutResult> {
    const src = this.sameServer(source);
    const ifMatch = options.ifMatch.etag ? quote(options.ifMatch.etag) : undefined;
    const headers = writeHeaders(options.metadata, options.mtimeMs, options.storageClass);
    headers['x-amz-metadata-directive'] = 'REPLACE';
    if (ifMatch !== undefined) {
      headers['x-amz-copy-source-if-match'] = ifMatch;
      if (this.quirks.copyIfMatchHeader) headers[this.quirks.copyIfMatchHeader.toLowerCase()] = ifMatch;
    }
    try {
      const out = await this.client.copyObject(this.bucket, this.fullKey(dstKey), copySource(src.bucket, src.fullKey(srcKey)), headers);
      return { etag: normalizeEtag(out.etag), crc64: out.crc64 };
    } catch (err) {
      throw this.fail(err, 'CopyObject', dstKey);
    }
  }

  async copyPartFrom(source: ObjectStore, srcKey: string, dstKey: string, uploadId: string, partNumber: number, range: { start: number; end: number }, ifMatch: VersionTag): Promise<{ etag: string }> {
    const src = this.sameServer(source);
    // Where the server ignores the condition, the source's ETag is checked on both sides of the copy instead.
    const checkSource = ifMatch.etag !== undefined && !this.quirks.partCopyIfMatch;
    if (checkSource) await assertSourceEtag(src, srcKey, ifMatch.etag);
    try {
      const out = await this.client.uploadPartCopy(this.bucket, this.fullKey(dstKey), uploadId, partNumber, copySource(src.bucket, src.fullKey(srcKey)), {
        range: `bytes=${range.start}-${range.end}`,
        ifMatch: ifMatch.etag ? quote(ifMatch.etag) : undefined,
      });
      const etag = normalizeEtag(out.etag);
      if (!etag) throw new FerryError('SERVER_ERROR', `part ${partNumber}: no ETag returned`, { retryable: true });
      if (checkSource) await assertSourceEtag(src, srcKey, ifMatch.etag);
      return { etag };
    } catch (err) {
      throw this.fail(err, `UploadPartCopy ${partNumber}`, dstKey);
    }
  }

  private sameServer(source: ObjectStore): S3Store {
    if (!(source instanceof S3Store) || !this.canCopyFrom(source)) {
      throw new FerryError('UNSUPPORTED', `${this.description}: cannot copy server-side from ${source.description}`);
    }
    return source;
  }

  private toHead(key: string, out: ObjectHeaders): ObjectHead {
    const { metadata, mtimeMs } = metadataFromHeaders(out);
    const stored = out.lastModifiedMs ?? 0;
    return {
      key,
      size: totalSize(out.contentRange) ?? out.contentLength ?? 0,
      etag: normalizeEtag(out.etag),
      mtimeMs: mtimeMs ?? stored,
      storedMs: stored,
      storageClass: out.storageClass ?? 'STANDARD',
      metadata,
      crc64: out.crc64,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }
}

function quote(etag: string): string {
  return `"${etag}"`;
}

/** Metadata headers of a write (PutObject, CreateMultipartUpload, CopyObject), with the storage class asked for. */
function writeHeaders(metadata: ObjectMetadata, mtimeMs: number, storageClass: string | undefined): Record<string, string> {
  const headers = metadataToHeaders(metadata, mtimeMs);
  if (storageClass) headers['x-amz-storage-class'] = storageClass;
  return headers;
}

/** PRECONDITION_FAILED unless the source object still has this ETag. */
async function assertSourceEtag(source: S3Store, key: string, etag: string | undefined): Promise<void> {
  const now = (await source.head(key)).etag;
  if (now !== etag) {
    throw new FerryError('PRECONDITION_FAILED', `${source.description}: ${JSON.stringify(key)} changed since it was listed (ETag ${etag} -> ${now})`);
  }
}

/** The object's full size from `Content-Range: bytes 0-99/1234`, for ranged reads. */
function totalSize(contentRange: string | undefined): number | undefined {
  const m = contentRange ? /\/(\d+)\s*$/.exec(contentRange) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

/** `x-amz-copy-source` is `bucket/key`, URL-encoded except for the slashes. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
}

/**
 * Keys listed with `encoding-type=url` come back form-encoded: AWS writes a
 * space as `+`, so a literal `+` is always `%2B` (what rclone and botocore
 * assume too).
 */
function decodeListedKey(key: string): string {
  const spaced = key.includes('+') ? key.replace(/\+/g, ' ') : key;
  return spaced.includes('%') ? decodeURIComponent(spaced) : spaced;
}
