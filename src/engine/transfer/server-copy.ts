import { FerryError, withRetry, type ObjectInfo } from '../../core/index.js';
import type { CompletedPart, ServerSideCopy } from '../../stores/index.js';
import { isPlainMd5 } from '../hashing/index.js';
import { planParts } from './part-plan.js';
import { readVersion } from './source-version.js';
import { runLimited } from './run-limited.js';
import { sourceMtime } from './stream-copy.js';
import type { TransferContext, TransferOutcome } from './transfer-context.js';
import { verifyFailed } from './verify.js';

/**
 * Copies inside the server (CopyObject, or UploadPartCopy beyond the single
 * copy limit): no byte crosses the client. The copy is pinned to the listed
 * version with x-amz-copy-source-if-match, and the result's ETag (or CRC64)
 * is compared with the source's where the two are comparable.
 */
export async function serverCopy(ctx: TransferContext & { dst: ServerSideCopy }, obj: ObjectInfo): Promise<TransferOutcome> {
  const { dst, options } = ctx;
  // The HEAD carries the content headers and user metadata that CopyObject must re-send to add the source mtime.
  const head = await ctx.src.head(obj.key);
  if (obj.etag && head.etag && head.etag !== obj.etag) {
    throw new FerryError('SOURCE_CHANGED', `${JSON.stringify(obj.key)} changed since it was listed`, { retryable: true });
  }
  const meta = { metadata: head.metadata, mtimeMs: sourceMtime(head, obj), storageClass: options.storageClass };
  const ifMatch = readVersion(obj);
  const verified = ['if-match'];

  if (obj.size <= dst.multipartLimits.maxSinglePutSize) {
    // No byte passes through Ferry, but a byte limit is about what the provider moves: pay for it up front.
    if (ctx.throttle?.bytes) await ctx.throttle.bytes.take(obj.size, ctx.signal);
    const result = await dst.copyFrom(ctx.src, obj.key, obj.key, { ...meta, ifMatch });
    ctx.onBytes(obj.size);
    if (ctx.srcTraits.etagIsMd5 && ctx.dstTraits.etagIsMd5 && isPlainMd5(obj.etag) && isPlainMd5(result.etag)) {
      if (result.etag !== obj.etag) throw verifyFailed(obj.key, 'ETag after server-side copy', obj.etag ?? '', result.etag ?? '');
      verified.push('etag');
    }
    if (head.crc64 !== undefined && result.crc64 !== undefined) {
      if (head.crc64 !== result.crc64) throw verifyFailed(obj.key, 'CRC64 after server-side copy', head.crc64, result.crc64);
      verified.push('crc64');
    }
    return { method: 'server-side', dstEtag: result.etag, dstCrc64: result.crc64, crc64: head.crc64, verified };
  }

  const parts = planParts(obj.size, Math.max(options.partSize, 256 * 1024 * 1024), dst.multipartLimits);
  const uploadId = await dst.createMultipart(obj.key, meta);
  try {
    const done: CompletedPart[] = await runLimited(parts, options.partConcurrency, async (part) => {
      if (ctx.throttle?.bytes) await ctx.throttle.bytes.take(part.end - part.start + 1, ctx.signal);
      const { etag } = await withRetry(() => dst.copyPartFrom(ctx.src, obj.key, obj.key, uploadId, part.partNumber, part, ifMatch), {
        attempts: options.attempts,
        signal: ctx.signal,
        onRetry: (err) => ctx.onRetry(obj.key, err),
      });
      ctx.onBytes(part.end - part.start + 1);
      return { partNumber: part.partNumber, etag };
    });
    const result = await dst.completeMultipart(obj.key, uploadId, done);
    const after = await dst.head(obj.key);
    if (after.size !== obj.size) throw verifyFailed(obj.key, 'size after server-side copy', obj.size, after.size);
    verified.push('size');
    if (head.crc64 !== undefined && after.crc64 !== undefined) {
      if (head.crc64 !== after.crc64) throw verifyFailed(obj.key, 'CRC64 after server-side copy', head.crc64, after.crc64);
      verified.push('crc64');
    }
    return { method: 'server-side-multipart', dstEtag: result.etag, dstCrc64: after.crc64, crc64: head.crc64, verified };
  } catch (err) {
    await dst.abortMultipart(obj.key, uploadId).catch(() => undefined);
    throw err;
  }
}
