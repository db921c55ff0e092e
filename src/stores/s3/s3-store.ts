import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type ListObjectsV2CommandOutput,
  type _Object,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FerryError, compareKeys, normalizeEtag, withRetry, type ObjectHead, type ObjectInfo, type ObjectMetadata } from '../../core/index.js';
import type { CompletedPart, LevelEntry, LevelListing, MultipartLimits, ServerCopyOptions, ServerSideCopy } from '../capabilities.js';
import type { GetOptions, GetResult, ListOptions, ObjectStore, PutOptions, PutResult, VersionTag } from '../object-store.js';
import { describeSpec, type S3Spec } from '../store-spec.js';
import { createS3Client } from './s3-client.js';
import { guardBody } from './guarded-body.js';
import { classifyS3Error } from './s3-errors.js';
import { metadataFromSdk, metadataToSdk } from './s3-metadata.js';
import { providerQuirks, type ProviderQuirks } from './providers.js';

/** ListObjectsV2 returns at most 1,000 keys per page. */
const LIST_PAGE_SIZE = 1000;

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
  private readonly client: S3Client;
  private closed = false;
  /** ListObjectsV2 requests sent (status and tests show listing is not redone). */
  listRequests = 0;

  constructor(spec: S3Spec, client?: S3Client) {
    this.quirks = providerQuirks(spec.provider);
    this.description = describeSpec(spec);
    this.bucket = spec.bucket;
    this.prefix = spec.prefix;
    this.client = client ?? createS3Client(spec, this.quirks);
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
      for (const item of page.Contents ?? []) {
        const info = this.toInfo(page, item);
        if (info) yield info;
      }
    }
  }

  /** One level below `prefix` (delimiter `/`): objects and sub-prefixes, merged in byte order. */
  async *listLevel(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<LevelEntry> {
    for await (const page of this.pages(prefix, options.startAfter, '/')) {
      const entries: LevelEntry[] = [];
      for (const item of page.Contents ?? []) {
        const info = this.toInfo(page, item);
        if (info) entries.push({ object: info });
      }
      for (const cp of page.CommonPrefixes ?? []) {
        if (cp.Prefix === undefined) continue;
        const full = this.decodeKey(page, cp.Prefix);
        if (full.startsWith(this.prefix)) entries.push({ prefix: full.slice(this.prefix.length) });
      }
      // S3 sends a page's objects and prefixes in two lists; each page covers one contiguous key range.
      entries.sort((a, b) => compareKeys('object' in a ? a.object.key : a.prefix, 'object' in b ? b.object.key : b.prefix));
      yield* entries;
    }
  }

  /** ListObjectsV2 pages, each next page requested while the caller works through the current one. */
  private async *pages(subPrefix: string, startAfterKey: string | undefined, delimiter: string | undefined): AsyncGenerator<ListObjectsV2CommandOutput> {
    const listPrefix = this.fullKey(subPrefix);
    const startAfter = startAfterKey === undefined ? undefined : this.fullKey(startAfterKey);
    const fetchPage = (token: string | undefined): Promise<ListObjectsV2CommandOutput> =>
      withRetry(async () => {
        try {
          this.listRequests++;
          return await this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: listPrefix || undefined,
              Delimiter: delimiter,
              MaxKeys: LIST_PAGE_SIZE,
              ContinuationToken: token,
              StartAfter: token === undefined ? startAfter : undefined,
              EncodingType: this.quirks.listUrlEncoding ? 'url' : undefined,
            }),
          );
        } catch (err) {
          throw this.fail(err, 'ListObjectsV2');
        }
      });

    let page = await fetchPage(undefined);
    for (;;) {
      const token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token) {
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

  private decodeKey(page: ListObjectsV2CommandOutput, key: string): string {
    return page.EncodingType === 'url' ? decodeListedKey(key) : key;
  }

  private toInfo(page: ListObjectsV2CommandOutput, item: _Object): ObjectInfo | undefined {
    if (item.Key === undefined) return undefined;
    const full = this.decodeKey(page, item.Key);
    if (!full.startsWith(this.prefix)) return undefined;
    const mtimeMs = item.LastModified?.getTime() ?? 0;
    return {
      key: full.slice(this.prefix.length),
      size: item.Size ?? 0,
      etag: normalizeEtag(item.ETag),
      mtimeMs,
      storedMs: mtimeMs,
      storageClass: item.StorageClass ?? 'STANDARD',
    };
  }

  async head(key: string): Promise<ObjectHead> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return this.toHead(key, out);
    } catch (err) {
      throw this.fail(err, 'HeadObject', key);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const { range, ifMatch } = options;
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
          IfMatch: ifMatch?.etag ? quote(ifMatch.etag) : undefined,
        }),
      );
      const body = out.Body as Readable | undefined;
      if (!body) throw new FerryError('SERVER_ERROR', `${this.description}: GetObject ${key}: no body`, { retryable: true });
      const head = this.toHead(key, out);
      // Without an ETag to match, a changed size is the only sign the object moved on.
      if (ifMatch && !ifMatch.etag && !range && head.size !== ifMatch.size) {
        body.destroy();
        throw new FerryError('PRECONDITION_FAILED', `${this.description}: ${key} changed size since it was listed`);
      }
      return { body, length: out.ContentLength ?? head.size, head };
    } catch (err) {
      throw this.fail(err, 'GetObject', key);
    }
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const guarded = guardBody(body, options.size, `${this.description}: PutObject ${JSON.stringify(this.fullKey(key))}`, options.signal);
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: guarded.body,
          ContentLength: options.size,
          ContentMD5: options.contentMd5,
          StorageClass: options.storageClass as never,
          ...metadataToSdk(options.metadata, options.mtimeMs),
        }),
        { abortSignal: guarded.signal },
      );
      return { etag: normalizeEtag(out.ETag), crc64: crc64Of(out) };
    } catch (err) {
      const failure = guarded.failure();
      guarded.destroy();
      throw failure ?? this.fail(err, 'PutObject', key);
    } finally {
      guarded.dispose();
    }
  }

  async createMultipart(key: string, options: { metadata: ObjectMetadata; mtimeMs: number; storageClass?: string | undefined }): Promise<string> {
    try {
      const out = await this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          StorageClass: options.storageClass as never,
          ...metadataToSdk(options.metadata, options.mtimeMs),
        }),
      );
      if (!out.UploadId) throw new FerryError('SERVER_ERROR', 'no UploadId returned', { retryable: true });
      return out.UploadId;
    } catch (err) {
      throw this.fail(err, 'CreateMultipartUpload', key);
    }
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number, signal?: AbortSignal): Promise<{ etag: string; crc64?: string | undefined }> {
    const guarded = guardBody(body, size, `${this.description}: UploadPart ${partNumber} of ${JSON.stringify(this.fullKey(key))}`, signal);
    try {
      const out = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: this.fullKey(key), UploadId: uploadId, PartNumber: partNumber, Body: guarded.body, ContentLength: size }),
        { abortSignal: guarded.signal },
      );
      const etag = normalizeEtag(out.ETag);
      if (!etag) throw new FerryError('SERVER_ERROR', `part ${partNumber}: no ETag returned`, { retryable: true });
      return { etag, crc64: crc64Of(out) };
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
      const out = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: quote(p.etag) })) },
        }),
      );
      let etag = normalizeEtag(out.ETag);
      let crc64 = crc64Of(out);
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
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.fullKey(key), UploadId: uploadId }));
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
        const out = await this.client.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: this.fullKey(key), UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const p of out.Parts ?? []) {
          const etag = normalizeEtag(p.ETag);
          if (p.PartNumber !== undefined && etag) parts.push({ partNumber: p.PartNumber, etag, size: p.Size });
        }
        if (!out.IsTruncated || out.NextPartNumberMarker === undefined) return parts;
        marker = out.NextPartNumberMarker;
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
    const command = new CopyObjectCommand({
      Bucket: this.bucket,
      Key: this.fullKey(dstKey),
      CopySource: copySource(src.bucket, src.fullKey(srcKey)),
      CopySourceIfMatch: ifMatch,
      MetadataDirective: 'REPLACE',
      StorageClass: options.storageClass as never,
      ...metadataToSdk(options.metadata, options.mtimeMs),
    });
    if (ifMatch !== undefined && this.quirks.copyIfMatchHeader) addHeader(command, this.quirks.copyIfMatchHeader, ifMatch);
    try {
      const out = await this.client.send(command);
      return { etag: normalizeEtag(out.CopyObjectResult?.ETag), crc64: crc64Of(out) };
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
      const out = await this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: this.fullKey(dstKey),
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: copySource(src.bucket, src.fullKey(srcKey)),
          CopySourceRange: `bytes=${range.start}-${range.end}`,
          CopySourceIfMatch: ifMatch.etag ? quote(ifMatch.etag) : undefined,
        }),
      );
      const etag = normalizeEtag(out.CopyPartResult?.ETag);
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

  private toHead(key: string, out: Parameters<typeof metadataFromSdk>[0] & {
    ContentLength?: number | undefined;
    ContentRange?: string | undefined;
    ETag?: string | undefined;
    LastModified?: Date | undefined;
    StorageClass?: string | undefined;
  }): ObjectHead {
    const { metadata, mtimeMs } = metadataFromSdk(out);
    const stored = out.LastModified?.getTime() ?? 0;
    return {
      key,
      size: totalSize(out.ContentRange) ?? out.ContentLength ?? 0,
      etag: normalizeEtag(out.ETag),
      mtimeMs: mtimeMs ?? stored,
      storedMs: stored,
      storageClass: out.StorageClass ?? 'STANDARD',
      metadata,
      crc64: crc64Of(out),
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

/** Adds a (signed) request header the SDK has no field for. */
function addHeader(command: CopyObjectCommand, name: string, value: string): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[name] = value;
      return next(args);
    },
    { step: 'build', name: `ferryHeader_${name}` },
  );
}

/** PRECONDITION_FAILED unless the source object still has this ETag. */
async function assertSourceEtag(source: S3Store, key: string, etag: string | undefined): Promise<void> {
  const now = (await source.head(key)).etag;
  if (now !== etag) {
    throw new FerryError('PRECONDITION_FAILED', `${source.description}: ${JSON.stringify(key)} changed since it was listed (ETag ${etag} -> ${now})`);
  }
}

function crc64Of(out: object): string | undefined {
  const value = (out as { $crc64?: string }).$crc64;
  return value === undefined || value === '' ? undefined : value;
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
  return decodeURIComponent(key.replace(/\+/g, ' '));
}
