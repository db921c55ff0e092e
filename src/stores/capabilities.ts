import type { Readable } from 'node:stream';
import type { ErrorCode, ObjectInfo, ObjectMetadata } from '../core/index.js';
import type { ObjectStore, PutResult, VersionTag, WritableStore } from './object-store.js';

/**
 * Optional capabilities, each a small interface with a type guard, as
 * rclone's fs/features.go: the engine asks, and falls back when absent.
 */

/** Limits that shape multipart uploads; provider data, not code. */
export interface MultipartLimits {
  maxParts: number;
  minPartSize: number;
  maxPartSize: number;
  /** Largest single PUT / single CopyObject. */
  maxSinglePutSize: number;
}

/** Multipart upload (S3 CreateMultipartUpload / UploadPart / Complete / Abort). */
export interface Multipart extends WritableStore {
  readonly multipartLimits: MultipartLimits;
  createMultipart(key: string, options: { metadata: ObjectMetadata; mtimeMs: number; storageClass?: string | undefined }): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number, signal?: AbortSignal): Promise<{ etag: string; crc64?: string | undefined }>;
  completeMultipart(key: string, uploadId: string, parts: CompletedPart[]): Promise<PutResult>;
  /** Aborting an unknown upload is not an error. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** Parts already uploaded (part-level resume). `NOT_FOUND` if the upload is gone. */
  listParts(key: string, uploadId: string): Promise<CompletedPart[]>;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  size?: number | undefined;
}

export function hasMultipart(store: ObjectStore): store is Multipart {
  return typeof (store as Partial<Multipart>).createMultipart === 'function';
}

/**
 * Server-side copy: the destination copies from a source it can read with its
 * own credentials (same endpoint and account), so no byte crosses the client.
 */
export interface ServerSideCopy extends Multipart {
  /** Whether `source` is reachable by this store's server with this store's credentials. */
  canCopyFrom(source: ObjectStore): boolean;
  /** Copies a whole object (up to `maxSinglePutSize`), keeping or replacing metadata. */
  copyFrom(source: ObjectStore, srcKey: string, dstKey: string, options: ServerCopyOptions): Promise<PutResult>;
  /** Copies a byte range of the source into a part of a multipart upload. */
  copyPartFrom(source: ObjectStore, srcKey: string, dstKey: string, uploadId: string, partNumber: number, range: { start: number; end: number }, ifMatch: VersionTag): Promise<{ etag: string }>;
}

export interface ServerCopyOptions {
  ifMatch: VersionTag;
  metadata: ObjectMetadata;
  mtimeMs: number;
  storageClass?: string | undefined;
}

export function hasServerSideCopy(store: ObjectStore): store is ServerSideCopy {
  return typeof (store as Partial<ServerSideCopy>).canCopyFrom === 'function';
}

/** What a store's listings and responses tell about content checksums. */
export interface ChecksumTraits {
  /** A non-multipart ETag is the hex MD5 of the content. */
  readonly etagIsMd5: boolean;
  /** The store returns CRC64-ECMA on writes and HEADs. */
  readonly returnsCrc64: boolean;
  /** A multipart ETag is MD5(part MD5s)-N, so it can be checked. */
  readonly multipartEtagIsMd5OfParts: boolean;
}

export function checksumTraits(store: ObjectStore): ChecksumTraits {
  const t = store as Partial<ChecksumTraits>;
  return {
    etagIsMd5: t.etagIsMd5 ?? false,
    returnsCrc64: t.returnsCrc64 ?? false,
    multipartEtagIsMd5OfParts: t.multipartEtagIsMd5OfParts ?? false,
  };
}

/**
 * An entry a listing met but could not yield as an object (a dead URL in an
 * HTTP list, an unreadable folder): the engine reports each as a failed
 * object instead of the listing ending on the first one. A message, not an
 * Error, so it goes straight into a report.
 */
export interface ListWarning {
  key: string;
  error: string;
  code: ErrorCode;
}

/** A store whose listings collect warnings (appended by every `list()`). */
export interface ReportsListWarnings {
  readonly listWarnings: ListWarning[];
}

export function listWarningsOf(store: ObjectStore): ListWarning[] {
  const w = (store as Partial<ReportsListWarnings>).listWarnings;
  return Array.isArray(w) ? w : [];
}

/** One entry of a one-level (delimiter `/`) listing. */
export type LevelEntry = { object: ObjectInfo } | { prefix: string };

/**
 * Listing one level at a time (S3's `delimiter=/`), so a job can list the
 * sub-prefixes of a bucket in parallel. Entries come in byte-wise order of
 * their key or prefix; a marker object `dir/` is folded into the prefix
 * `dir/`, as S3 does.
 */
export interface LevelListing {
  listLevel(prefix: string, options?: { startAfter?: string }): AsyncIterable<LevelEntry>;
}

export function hasLevelListing(store: ObjectStore): store is ObjectStore & LevelListing {
  return typeof (store as Partial<LevelListing>).listLevel === 'function';
}

/** LIST requests a store has sent, and how many of them were retries; zero for stores that do not count. */
export function listStatsOf(store: ObjectStore): { requests: number; retries: number } {
  const s = store as { listRequests?: unknown; listRetries?: unknown };
  return {
    requests: typeof s.listRequests === 'number' ? s.listRequests : 0,
    retries: typeof s.listRetries === 'number' ? s.listRetries : 0,
  };
}
