import type { Readable } from 'node:stream';
import type { ObjectHead, ObjectInfo, ObjectMetadata } from '../core/index.js';

/**
 * The contract every backend implements. Keys are relative to the store's
 * root (bucket + prefix, or directory) and are kept byte-exact.
 *
 * Errors are always `FerryError`s:
 * - `NOT_FOUND` when the object does not exist (not retryable);
 * - `ACCESS_DENIED`, `NO_SUCH_BUCKET` when nothing will work (fatal);
 * - `PRECONDITION_FAILED` when a conditional read no longer matches;
 * - `THROTTLED`, `SERVER_ERROR`, `NETWORK`, `TIMEOUT` (retryable);
 * - `INVALID_KEY` when the backend cannot hold that key.
 */
export interface ObjectStore {
  /** `s3`, `local` or `http-list`. */
  readonly kind: string;
  /** Where this store points, for messages and reports; never holds a secret. */
  readonly description: string;

  /**
   * All objects under the root, in byte-wise (UTF-8) key order, one page at a
   * time: a bucket is never held in memory. Listing an empty or missing
   * prefix yields nothing. Fatal errors (`ACCESS_DENIED`, `NO_SUCH_BUCKET`)
   * surface from the first iteration.
   */
  list(options?: ListOptions): AsyncIterable<ObjectInfo>;

  /** Metadata of one object. Returns `NOT_FOUND` if absent. */
  head(key: string): Promise<ObjectHead>;

  /**
   * Reads an object (or a byte range). With `ifMatch`, a changed object gives
   * `PRECONDITION_FAILED` before any byte is read, or an error on the stream
   * if the change is noticed later.
   */
  get(key: string, options?: GetOptions): Promise<GetResult>;

  /** Releases sockets and handles. Idempotent. */
  close(): Promise<void>;
}

export interface ListOptions {
  /** Only keys strictly after this one (resumes a listing). */
  startAfter?: string;
  /** Only keys beginning with this sub-prefix (relative to the root). */
  prefix?: string;
}

export interface GetOptions {
  /** Inclusive byte range. */
  range?: { start: number; end: number };
  /** The listed version: the ETag, or for stores without ETags, size and mtime. */
  ifMatch?: VersionTag;
}

export interface VersionTag {
  etag?: string | undefined;
  size: number;
  mtimeMs: number;
}

export interface GetResult {
  body: Readable;
  /** Bytes the body will deliver (the range length for a ranged read). */
  length: number;
  /** Object metadata known from the GET response. */
  head: ObjectHead;
}

/** A store that objects can be written to. */
export interface WritableStore extends ObjectStore {
  /**
   * Writes a whole object from a stream of exactly `size` bytes. Nothing is
   * visible under `key` until all bytes arrived (S3 semantics; local disk
   * writes a temp file then renames). Returns what the store reports.
   */
  put(key: string, body: Readable, options: PutOptions): Promise<PutResult>;
}

export interface PutOptions {
  size: number;
  metadata: ObjectMetadata;
  /** Source modification time, kept as `mtime` metadata or as the file mtime. */
  mtimeMs: number;
  /** Base64 MD5 the server must check, when known before the upload. */
  contentMd5?: string | undefined;
  storageClass?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface PutResult {
  /** ETag as the destination reports it (unquoted), if it reports one. */
  etag?: string | undefined;
  /** CRC64-ECMA (decimal) as reported by the destination, if it reports one. */
  crc64?: string | undefined;
  /** For stores that hash what they wrote (local disk): hex MD5 of the bytes stored. */
  md5?: string | undefined;
}

export function isWritable(store: ObjectStore): store is WritableStore {
  return typeof (store as Partial<WritableStore>).put === 'function';
}
