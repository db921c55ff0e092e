import { MTIME_META_KEY, formatMtimeMeta, parseMtimeMeta, type ObjectMetadata } from '../../core/index.js';
import type { ObjectHeaders } from './lean/lean-s3-client.js';

/** Characters node:http sends as they are in a header value (one latin1 byte each). */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * A user metadata value as a header value. Values node can send byte for
 * byte (ASCII, or latin1 chars, which is how a UTF-8 value read from another
 * S3 server arrives) go as they are, so metadata copies byte-exact; anything
 * else (characters beyond U+00FF, control characters) is sent as an RFC 2047
 * encoded word, which is how S3 itself returns non-ASCII metadata. (The SDK
 * failed such objects outright.)
 */
export function metadataHeaderValue(value: string): string {
  return HEADER_SAFE.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * The request headers (lower-case names) that carry an object's metadata on
 * PutObject, CreateMultipartUpload and CopyObject (REPLACE), the source's
 * mtime as `x-amz-meta-mtime` among them.
 */
export function metadataToHeaders(meta: ObjectMetadata, mtimeMs: number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (meta.contentType !== undefined) headers['content-type'] = meta.contentType;
  if (meta.contentEncoding !== undefined) headers['content-encoding'] = meta.contentEncoding;
  if (meta.contentDisposition !== undefined) headers['content-disposition'] = meta.contentDisposition;
  if (meta.contentLanguage !== undefined) headers['content-language'] = meta.contentLanguage;
  if (meta.cacheControl !== undefined) headers['cache-control'] = meta.cacheControl;
  if (meta.expires !== undefined) {
    const when = new Date(meta.expires);
    // An unparseable Expires cannot be re-sent as an HTTP date; dropping it beats failing the object.
    if (!Number.isNaN(when.getTime())) headers.expires = when.toUTCString();
  }
  for (const [k, v] of Object.entries(meta.user)) headers[`x-amz-meta-${k.toLowerCase()}`] = metadataHeaderValue(v);
  headers[`x-amz-meta-${MTIME_META_KEY}`] = formatMtimeMeta(mtimeMs);
  return headers;
}

/** An object's metadata from a HEAD or GET response, and the mtime kept in it, if any. */
export function metadataFromHeaders(out: ObjectHeaders): { metadata: ObjectMetadata; mtimeMs: number | undefined } {
  const user: Record<string, string> = {};
  let mtimeMs: number | undefined;
  for (const [k, v] of Object.entries(out.metadata)) {
    const name = k.toLowerCase();
    if (name === MTIME_META_KEY) mtimeMs = parseMtimeMeta(v);
    else user[name] = v;
  }
  const metadata: ObjectMetadata = { user };
  if (out.contentType !== undefined) metadata.contentType = out.contentType;
  if (out.contentEncoding !== undefined) metadata.contentEncoding = out.contentEncoding;
  if (out.contentDisposition !== undefined) metadata.contentDisposition = out.contentDisposition;
  if (out.contentLanguage !== undefined) metadata.contentLanguage = out.contentLanguage;
  if (out.cacheControl !== undefined) metadata.cacheControl = out.cacheControl;
  if (out.expires !== undefined) metadata.expires = out.expires;
  return { metadata, mtimeMs };
}
