import { FerryError, withRetry, type ObjectInfo } from '../../core/index.js';
import type { CompletedPart, Multipart } from '../../stores/index.js';
import { crc64Combine, HashingStream, multipartEtag } from '../hashing/index.js';
import { planParts, type PartRange } from './part-plan.js';
import { readVersion } from './source-version.js';
import { runLimited } from './run-limited.js';
import { sourceMtime } from './stream-copy.js';
import type { TransferContext, TransferOutcome } from './transfer-context.js';
import { verifyFailed } from './verify.js';

interface DonePart extends CompletedPart {
  md5Hex: string;
  crc64?: string | undefined;
  bytes: number;
}

/**
 * A large object as parts in parallel, each part its own ranged GET (pinned
 * to the listed version) streamed into its own UploadPart: nothing is
 * buffered, and a failed part is retried alone. Every part's MD5 is checked
 * against its ETag; the whole against the multipart ETag or combined CRC64.
 */
export async function multipartCopy(ctx: TransferContext & { dst: Multipart }, obj: ObjectInfo): Promise<TransferOutcome> {
  const { dst, options } = ctx;
  const parts = planParts(obj.size, options.partSize, dst.multipartLimits);
  // Metadata comes from the source HEAD (the parts' GETs carry it too, but the upload needs it first).
  const head = await ctx.src.head(obj.key);
  if (obj.etag && head.etag && head.etag !== obj.etag) {
    throw new FerryError('SOURCE_CHANGED', `${JSON.stringify(obj.key)} changed since it was listed`, { retryable: true });
  }
  const uploadId = await withRetry(() => dst.createMultipart(obj.key, { metadata: head.metadata, mtimeMs: sourceMtime(head, obj), storageClass: options.storageClass }), {
    attempts: options.attempts,
    signal: ctx.signal,
  });
  try {
    const done = await runLimited(parts, options.partConcurrency, (part) =>
      withRetry(() => copyPart(ctx, dst, obj, uploadId, part), {
        attempts: options.attempts,
        signal: ctx.signal,
        onRetry: (err) => ctx.onRetry(obj.key, err),
      }),
    );
    const result = await withRetry(() => dst.completeMultipart(obj.key, uploadId, done), { attempts: options.attempts, signal: ctx.signal });
    const verified = ['size', 'part-md5'];
    const expectedEtag = multipartEtag(done.map((p) => p.md5Hex));
    if (ctx.dstTraits.multipartEtagIsMd5OfParts && result.etag) {
      if (result.etag !== expectedEtag) throw verifyFailed(obj.key, 'multipart ETag', expectedEtag, result.etag);
      verified.push('etag');
    }
    const crc64 = combineCrc(done);
    if (crc64 !== undefined && result.crc64 !== undefined) {
      if (crc64 !== result.crc64) throw verifyFailed(obj.key, 'CRC64', crc64, result.crc64);
      verified.push('crc64');
    }
    return { method: 'multipart', dstEtag: result.etag, dstCrc64: result.crc64, crc64, verified };
  } catch (err) {
    await dst.abortMultipart(obj.key, uploadId).catch(() => undefined);
    throw err;
  }
}

async function copyPart(ctx: TransferContext, dst: Multipart, obj: ObjectInfo, uploadId: string, part: PartRange): Promise<DonePart> {
  const length = part.end - part.start + 1;
  const got = await ctx.src.get(obj.key, { range: { start: part.start, end: part.end }, ifMatch: readVersion(obj) });
  let moved = 0;
  const hasher = new HashingStream({
    crc64: ctx.dstTraits.returnsCrc64,
    expectedBytes: length,
    onProgress: (n: number) => {
      moved += n;
      ctx.onBytes(n);
    },
  });
  let sourceError: unknown;
  got.body.on('error', (err) => {
    sourceError = err;
    hasher.destroy(err);
  });
  got.body.pipe(hasher);
  let uploaded;
  try {
    uploaded = await dst.uploadPart(obj.key, uploadId, part.partNumber, hasher, length, ctx.signal);
  } catch (err) {
    got.body.destroy();
    // The bytes of a failed attempt were counted; take them back so progress stays true.
    ctx.onBytes(-moved);
    throw sourceError ?? err;
  }
  const hash = hasher.result;
  if (hash.bytes !== length) throw verifyFailed(obj.key, `part ${part.partNumber} size`, length, hash.bytes);
  if (ctx.dstTraits.etagIsMd5 && uploaded.etag !== hash.md5Hex) {
    ctx.onBytes(-moved);
    throw verifyFailed(obj.key, `part ${part.partNumber} ETag`, hash.md5Hex, uploaded.etag);
  }
  return { partNumber: part.partNumber, etag: uploaded.etag, size: length, md5Hex: hash.md5Hex, crc64: hash.crc64, bytes: length };
}

function combineCrc(parts: DonePart[]): string | undefined {
  let acc: bigint | undefined;
  for (const p of parts) {
    if (p.crc64 === undefined) return undefined;
    const value = BigInt(p.crc64);
    acc = acc === undefined ? value : crc64Combine(acc, value, p.bytes);
  }
  return acc?.toString();
}
