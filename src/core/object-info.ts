/** What a listing says about one object. Keys are relative to the store's root/prefix. */
export interface ObjectInfo {
  /** Key relative to the location's prefix, byte-exact. */
  key: string;
  size: number;
  /** ETag without quotes, lower-case hex (with `-N` for multipart), or undefined if none. */
  etag?: string | undefined;
  /** Last-modified time of the content, in milliseconds since the epoch. */
  mtimeMs: number;
  /**
   * When this copy was stored here (S3: LastModified; local disk: ctime),
   * which the diff compares against a source's mtime to tell that the source
   * changed after it was copied. Defaults to `mtimeMs`.
   */
  storedMs?: number | undefined;
  /** Provider's storage class name as listed (`STANDARD` when the listing omits it). */
  storageClass?: string | undefined;
}

/** Content headers and user metadata kept across a copy. */
export interface ObjectMetadata {
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  contentDisposition?: string | undefined;
  contentLanguage?: string | undefined;
  cacheControl?: string | undefined;
  expires?: string | undefined;
  /** User metadata, names lower-case without the `x-amz-meta-` prefix. */
  user: Record<string, string>;
}

/** A HEAD: listing facts plus metadata and checksums the server returns. */
export interface ObjectHead extends ObjectInfo {
  metadata: ObjectMetadata;
  /** CRC64-ECMA as a decimal string, when the provider returns one. */
  crc64?: string | undefined;
}

/**
 * User-metadata key for the source modification time, in seconds with a
 * fraction: the same `x-amz-meta-mtime` rclone writes, so either tool reads
 * what the other wrote.
 */
export const MTIME_META_KEY = 'mtime';

export function formatMtimeMeta(mtimeMs: number): string {
  return (mtimeMs / 1000).toFixed(3);
}

/** Reads an `mtime` metadata value; undefined when absent or malformed. */
export function parseMtimeMeta(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Math.round(Number(value) * 1000);
}

export function emptyMetadata(): ObjectMetadata {
  return { user: {} };
}
