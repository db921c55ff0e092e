import { pipeSource } from './source-pipe.js';
import type { ObjectHead, ObjectInfo } from '../../core/index.js';
import { FerryError } from '../../core/index.js';
import type { TransferContext, TransferOutcome } from './transfer-context.js';
import { verifyStreamed } from './verify.js';
import { readVersion } from './source-version.js';

/**
 * One GET piped into one PUT: no temp file, no whole-object buffer. The
 * source is read with If-Match on the listed version, so a concurrent
 * rewrite fails the read instead of mixing two versions.
 */
export async function streamCopy(ctx: TransferContext, obj: ObjectInfo): Promise<TransferOutcome> {
  const got = await ctx.src.get(obj.key, { ifMatch: readVersion(obj) });
  const pipe = pipeSource(ctx, got.body, obj.size, (n) => ctx.onBytes(n));
  const { hasher } = pipe;
  const srcMd5 = ctx.srcTraits.etagIsMd5 && isHexMd5(obj.etag) ? obj.etag : undefined;
  let put;
  try {
    put = await ctx.dst.put(obj.key, hasher, {
      size: obj.size,
      metadata: got.head.metadata,
      mtimeMs: sourceMtime(got.head, obj),
      // The server then refuses a body that does not match the source's MD5.
      contentMd5: srcMd5 ? Buffer.from(srcMd5, 'hex').toString('base64') : undefined,
      storageClass: ctx.options.storageClass,
      signal: ctx.signal,
    });
  } catch (err) {
    pipe.destroy();
    throw pipe.sourceError() ?? err;
  }
  if (pipe.sourceError()) throw pipe.sourceError();
  const hash = hasher.result;
  const verified = verifyStreamed({
    key: obj.key,
    expectedSize: obj.size,
    bytes: hash.bytes,
    md5Hex: hash.md5Hex,
    crc64: hash.crc64,
    srcEtag: obj.etag,
    srcEtagIsMd5: ctx.srcTraits.etagIsMd5,
    dstEtag: put.etag,
    dstEtagIsMd5: ctx.dstTraits.etagIsMd5,
    dstMd5: put.md5,
    dstCrc64: put.crc64,
  });
  return { method: 'stream', dstEtag: put.etag ?? put.md5, dstCrc64: put.crc64, md5: hash.md5Hex, crc64: hash.crc64, verified };
}

function isHexMd5(etag: string | undefined): etag is string {
  return etag !== undefined && /^[0-9a-f]{32}$/.test(etag);
}

/** The original modification time: kept metadata first, else the listing's time. */
export function sourceMtime(head: ObjectHead, listed: ObjectInfo): number {
  if (head.mtimeMs !== head.storedMs) return head.mtimeMs;
  return listed.mtimeMs;
}

export function assertNotAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FerryError('INTERNAL', 'copy cancelled', { fatal: true });
}
