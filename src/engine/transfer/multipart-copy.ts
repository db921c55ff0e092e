import { pipeSource } from './source-pipe.js';
import { FerryError, withRetry, type ObjectInfo } from '../../core/index.js';
import type { CompletedPart, Multipart } from '../../stores/index.js';
import { crc64Combine, multipartEtag } from '../hashing/index.js';
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
  const retry = { attempts: options.attempts, signal: ctx.signal, onRetry: (err: unknown) => ctx.onRetry(obj.key, err) };
  const resumed = await resumableUpload(ctx, obj);
  const parts = planParts(obj.size, resumed?.partSize ?? options.partSize, dst.multipartLimits);
  let uploadId = resumed?.uploadId;
  const already = new Map((resumed?.parts ?? []).map((p) => [p.partNumber, p]));
  if (uploadId === undefined) {
    // Metadata comes from the source HEAD (the parts' GETs carry it too, but the upload needs it first).
    const head = await ctx.src.head(obj.key);
    if (obj.etag && head.etag && head.etag !== obj.etag) {
      throw new FerryError('SOURCE_CHANGED', `${JSON.stringify(obj.key)} changed since it was listed`, { retryable: true });
    }
    uploadId = await withRetry(() => dst.createMultipart(obj.key, { metadata: head.metadata, mtimeMs: sourceMtime(head, obj), storageClass: options.storageClass }), retry);
    ctx.uploads?.save(obj.key, { uploadId, srcEtag: obj.etag, size: obj.size, partSize: parts[0]?.end === undefined ? options.partSize : parts[0].end + 1 });
  }
  const id = uploadId;
  try {
    const done = await runLimited(parts, options.partConcurrency, async (part) => {
      const finished = already.get(part.partNumber);
      if (finished) {
        ctx.onBytes(finished.bytes);
        return finished;
      }
      return withRetry(() => copyPart(ctx, dst, obj, id, part), retry);
    });
    const result = await withRetry(() => dst.completeMultipart(obj.key, id, done), retry);
    ctx.uploads?.remove(obj.key);
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
    // A pause or shutdown keeps a remembered upload for the next run; a real failure discards it.
    if (!(ctx.uploads && ctx.signal?.aborted)) {
      await dst.abortMultipart(obj.key, id).catch(() => undefined);
      ctx.uploads?.remove(obj.key);
    }
    throw err;
  }
}

/**
 * The upload an earlier, interrupted run left for this object, with the parts
 * the server already holds. Only reused for the same source version and
 * size; a part's ETag is its MD5 where the provider says so, which the final
 * multipart ETag check needs.
 */
async function resumableUpload(ctx: TransferContext & { dst: Multipart }, obj: ObjectInfo): Promise<{ uploadId: string; partSize: number; parts: DonePart[] } | undefined> {
  const recorded = ctx.uploads?.find(obj.key);
  if (!recorded) return undefined;
  const reusable = recorded.size === obj.size && recorded.srcEtag === obj.etag && ctx.dstTraits.etagIsMd5;
  const listed = reusable ? await ctx.dst.listParts(obj.key, recorded.uploadId).catch(() => undefined) : undefined;
  if (!listed) {
    await ctx.dst.abortMultipart(obj.key, recorded.uploadId).catch(() => undefined);
    ctx.uploads?.remove(obj.key);
    return undefined;
  }
  const plan = planParts(obj.size, recorded.partSize, ctx.dst.multipartLimits);
  const sizes = new Map(plan.map((p) => [p.partNumber, p.end - p.start + 1]));
  const parts = listed
    .filter((p) => p.size === sizes.get(p.partNumber))
    .map((p) => ({ partNumber: p.partNumber, etag: p.etag, size: p.size, md5Hex: p.etag, bytes: p.size ?? 0 }));
  return { uploadId: recorded.uploadId, partSize: recorded.partSize, parts };
}

async function copyPart(ctx: TransferContext, dst: Multipart, obj: ObjectInfo, uploadId: string, part: PartRange): Promise<DonePart> {
  const length = part.end - part.start + 1;
  const got = await ctx.src.get(obj.key, { range: { start: part.start, end: part.end }, ifMatch: readVersion(obj) });
  let moved = 0;
  const pipe = pipeSource(ctx, got.body, length, (n) => {
    moved += n;
    ctx.onBytes(n);
  });
  const { hasher } = pipe;
  let uploaded;
  try {
    uploaded = await dst.uploadPart(obj.key, uploadId, part.partNumber, hasher, length, ctx.signal);
  } catch (err) {
    pipe.destroy();
    // The bytes of a failed attempt were counted; take them back so progress stays true.
    ctx.onBytes(-moved);
    throw pipe.sourceError() ?? err;
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
