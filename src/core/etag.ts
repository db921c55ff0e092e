/**
 * ETag arithmetic. A single-PUT S3 object's ETag is the MD5 of its bytes; a
 * multipart one is MD5(md5(part1)‖md5(part2)‖…) + "-<parts>", which can only
 * be reproduced with the same part boundaries. Caveat for callers: objects
 * encrypted with SSE-KMS/SSE-C have ETags that look like MD5s but are not, and
 * some providers (OSS, COS) print them in upper case, hence `normalizeEtag`.
 */
import { createHash } from 'node:crypto';
import { FerryError } from './errors.js';

const MD5_HEX = /^[0-9a-f]{32}$/;
const MULTIPART = /^[0-9a-f]{32}-([1-9][0-9]*)$/;

/** The ETag S3 gives a multipart object with these part MD5s, without quotes. */
export function multipartEtag(partMd5Hex: readonly string[]): string {
  if (partMd5Hex.length === 0) {
    throw new FerryError('INVALID_ARGUMENT', 'multipartEtag: a multipart upload has at least one part');
  }
  const digests = Buffer.allocUnsafe(16 * partMd5Hex.length);
  partMd5Hex.forEach((hex, i) => {
    const md5 = hex.toLowerCase();
    if (!MD5_HEX.test(md5)) {
      throw new FerryError('INVALID_ARGUMENT', `multipartEtag: part ${i + 1} MD5 is not 32 hex digits: ${hex}`);
    }
    digests.write(md5, 16 * i, 'hex');
  });
  return `${createHash('md5').update(digests).digest('hex')}-${partMd5Hex.length}`;
}

/**
 * Canonical form for comparing: no weak `W/` prefix, no quotes, lower case.
 * Empty or missing gives undefined, so "no ETag" never equals "no ETag".
 */
export function normalizeEtag(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let etag = raw.trim();
  if (etag.startsWith('W/') || etag.startsWith('w/')) etag = etag.slice(2);
  if (etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"')) etag = etag.slice(1, -1);
  // Some proxies and SDKs escape the quotes instead.
  else if (etag.startsWith('&quot;') && etag.endsWith('&quot;') && etag.length >= 12) etag = etag.slice(6, -6);
  etag = etag.trim().toLowerCase();
  return etag === '' ? undefined : etag;
}

/** Whether the ETag has the `<md5>-<parts>` multipart shape (raw or normalised). */
export function isMultipartEtag(etag: string | undefined): boolean {
  const norm = normalizeEtag(etag);
  return norm !== undefined && MULTIPART.test(norm);
}

/** The part count of a multipart ETag, or undefined for any other ETag. */
export function multipartEtagParts(etag: string | undefined): number | undefined {
  const match = MULTIPART.exec(normalizeEtag(etag) ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * Whether the ETag has the shape of a plain MD5. Shape only: it is the
 * content's MD5 only if the store says so (no SSE-KMS/SSE-C, not multipart).
 */
export function isPlainMd5(etag: string | undefined): boolean {
  const norm = normalizeEtag(etag);
  return norm !== undefined && MD5_HEX.test(norm);
}
