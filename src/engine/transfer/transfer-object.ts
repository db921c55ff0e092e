import { FerryError, isFerryError, withRetry, type ObjectInfo } from '../../core/index.js';
import { hasMultipart, hasServerSideCopy } from '../../stores/index.js';
import { multipartCopy } from './multipart-copy.js';
import { serverCopy } from './server-copy.js';
import { streamCopy } from './stream-copy.js';
import type { TransferContext, TransferOutcome } from './transfer-context.js';

/** The path an object takes, given both stores' capabilities and its size. */
export function chooseMethod(ctx: TransferContext, obj: ObjectInfo): TransferOutcome['method'] {
  const { src, dst, options } = ctx;
  if (options.serverSideCopy && hasServerSideCopy(dst) && dst.canCopyFrom(src)) return 'server-side';
  if (hasMultipart(dst) && obj.size >= Math.max(options.multipartThreshold, 1)) return 'multipart';
  return 'stream';
}

/**
 * Copies and verifies one object, retrying retryable failures with back-off.
 * When the source changed since it was listed, the next attempt copies the
 * new version (found by a HEAD) rather than failing on a stale ETag.
 */
export async function transferObject(ctx: TransferContext, listed: ObjectInfo): Promise<TransferOutcome & { object: ObjectInfo; attempts: number }> {
  let obj = listed;
  let attempts = 0;
  const outcome = await withRetry(
    async () => {
      attempts++;
      let moved = 0;
      const attemptCtx: TransferContext = { ...ctx, onBytes: (n) => { moved += n; ctx.onBytes(n); } };
      try {
        return await runMethod(attemptCtx, obj);
      } catch (err) {
        ctx.onBytes(-moved);
        if (isFerryError(err) && (err.code === 'PRECONDITION_FAILED' || err.code === 'SOURCE_CHANGED')) {
          obj = await refreshVersion(ctx, obj, err);
        }
        throw err;
      }
    },
    {
      attempts: ctx.options.attempts,
      signal: ctx.signal,
      onRetry: (err) => ctx.onRetry(listed.key, err),
    },
  ).catch((err: unknown) => {
    if (typeof err === 'object' && err !== null) failedAttempts.set(err, attempts);
    throw err;
  });
  return { ...outcome, object: obj, attempts };
}

/** Attempts made by transfers that failed, by the error they ended with. */
const failedAttempts = new WeakMap<object, number>();

/**
 * How many attempts a failed `transferObject` made: one for an error not
 * worth retrying (no space, not found), all of them when retries ran out.
 */
export function attemptsOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? failedAttempts.get(err) : undefined;
}

function runMethod(ctx: TransferContext, obj: ObjectInfo): Promise<TransferOutcome> {
  const method = chooseMethod(ctx, obj);
  const { dst } = ctx;
  if (method === 'server-side' && hasServerSideCopy(dst)) return serverCopy({ ...ctx, dst }, obj);
  if (method === 'multipart' && hasMultipart(dst)) return multipartCopy({ ...ctx, dst }, obj);
  return streamCopy(ctx, obj);
}

/** Looks the object up again after it changed under us; the retry then copies what is there now. */
async function refreshVersion(ctx: TransferContext, obj: ObjectInfo, cause: FerryError): Promise<ObjectInfo> {
  const head = await ctx.src.head(obj.key).catch((err: unknown) => {
    throw isFerryError(err) && err.code === 'NOT_FOUND'
      ? new FerryError('SOURCE_CHANGED', `${JSON.stringify(obj.key)} was deleted at the source during the copy`, { cause })
      : err;
  });
  // Marked retryable so withRetry goes round again with the new version.
  Object.defineProperty(cause, 'retryable', { value: true });
  return { ...obj, etag: head.etag, size: head.size, mtimeMs: head.mtimeMs, storedMs: head.storedMs };
}
