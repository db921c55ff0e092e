import { describeError, isFatal } from '../core/index.js';
import type { Progress } from '../engine/index.js';
import { attemptsOf, transferObject, type TransferContext } from '../engine/transfer/index.js';
import type { ResultRow, TaskItem } from './run-store.js';
import type { Semaphore } from './semaphore.js';

export interface CopyItemDeps {
  ctx: TransferContext;
  progress: Progress;
  /** A fatal error (access denied, no such bucket) ends the whole run. */
  onFatal: (err: unknown) => void;
}

/**
 * Copies one task item and returns its report row, or undefined when the
 * run was interrupted (the item stays unfinished and is copied on resume).
 * Used by the in-process runner and by queue workers alike.
 */
export async function copyItem(deps: CopyItemDeps, item: TaskItem): Promise<ResultRow | undefined> {
  const { ctx, progress } = deps;
  const startedAt = Date.now();
  try {
    await ctx.throttle?.objects?.take(1, ctx.signal);
    const out = await transferObject(ctx, item);
    progress.copied++;
    return {
      key: item.key, status: 'migrated', size: out.object.size, srcEtag: out.object.etag, srcCrc64: out.crc64,
      dstEtag: out.dstEtag, dstCrc64: out.dstCrc64, srcMtimeMs: out.object.mtimeMs, startedAt, endedAt: Date.now(),
      reason: item.reason, attempts: out.attempts,
    };
  } catch (err) {
    if (ctx.signal?.aborted) return undefined;
    if (isFatal(err)) {
      deps.onFatal(err);
      return undefined;
    }
    progress.failed++;
    return {
      key: item.key, status: 'failed', size: item.size, srcEtag: item.etag, srcMtimeMs: item.mtimeMs, startedAt, endedAt: Date.now(),
      reason: item.reason, error: describeError(err), attempts: attemptsOf(err) ?? ctx.options.attempts,
    };
  }
}

/**
 * Copies a task's items, each taking one of the run's `slots` (shared by the
 * tasks in flight, so the run's concurrency holds across them), and hands
 * every row to `onRow`. Once the run is aborted no further item starts.
 */
export async function copyItems(deps: CopyItemDeps, items: readonly TaskItem[], slots: Semaphore, onRow: (row: ResultRow) => void): Promise<void> {
  const signal = deps.ctx.signal;
  const inFlight: Promise<void>[] = [];
  for (const item of items) {
    if (signal?.aborted) break;
    await slots.acquire();
    if (signal?.aborted) {
      slots.release();
      break;
    }
    inFlight.push(
      copyItem(deps, item)
        .then((row) => {
          if (row) onRow(row);
        })
        .finally(() => slots.release()),
    );
  }
  await Promise.all(inFlight);
}
