import type { ObjectHead } from '../core/index.js';
import { metadataHeaderValue } from '../stores/s3/s3-metadata.js';

/** Query parameters of a GET that override response headers (S3's `response-*`). */
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * The headers S3 sends with an object: ETag, Last-Modified, content headers,
 * user metadata, storage class. Last-Modified is the object's original
 * modification time (the `mtime` Ferry keeps in metadata), so a client sees
 * the same date before and after the fill; Ferry's own `mtime` entry is not
 * shown as user metadata, on a miss or a hit alike.
 */
export function objectHeaders(head: ObjectHead, query: ReadonlyMap<string, string>): Record<string, string> {
  const h: Record<string, string> = {};
  const m = head.metadata;
  h['content-type'] = m.contentType ?? 'binary/octet-stream';
  if (m.contentEncoding !== undefined) h['content-encoding'] = m.contentEncoding;
  if (m.contentDisposition !== undefined) h['content-disposition'] = m.contentDisposition;
  if (m.contentLanguage !== undefined) h['content-language'] = m.contentLanguage;
  if (m.cacheControl !== undefined) h['cache-control'] = m.cacheControl;
  if (m.expires !== undefined) h.expires = m.expires;
  for (const [name, value] of Object.entries(m.user)) h[`x-amz-meta-${name}`] = metadataHeaderValue(value);
  if (head.etag !== undefined) h.etag = `"${head.etag}"`;
  h['last-modified'] = new Date(head.mtimeMs).toUTCString();
  h['accept-ranges'] = 'bytes';
  if (head.storageClass && head.storageClass !== 'STANDARD') h['x-amz-storage-class'] = head.storageClass;
  for (const [param, header] of Object.entries(OVERRIDES)) {
    const value = query.get(param);
    if (value !== undefined) h[header] = metadataHeaderValue(value);
  }
  return h;
}
