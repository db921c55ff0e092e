import { setMaxListeners } from 'node:events';
import { describeError, FerryError, isFatal } from '../../core/index.js';
import { Progress } from '../../engine/index.js';
import type { RateLimiter } from '../../engine/throttle/index.js';
import type { TransferContext } from '../../engine/transfer/index.js';
import { copyItems } from '../../jobs/copy-item.js';
import { copyOptions } from '../../jobs/job-runner.js';
import type { ResultRow } from '../../jobs/run-store.js';
import type { Semaphore } from '../../jobs/semaphore.js';
import { checksumTraits, isWritable } from '../../stores/index.js';
import type { SecretBox } from '../../home/index.js';
import { allOf, RedisRateLimiter } from './redis-rate-limiter.js';
import type { RedisLink } from './redis-link.js';
import { RedisUploadRegistry } from './redis-upload-registry.js';
import { unsealSpec } from './spec-sealing.js';
import type { StoreCache } from './store-cache.js';
import type { TaskOutcome, TaskPayload, TaskProgress } from './task-payload.js';

/** How a failed BullMQ job says the run must stop (access denied, no such bucket, a secret it cannot open). */
export const FATAL_PREFIX = 'fatal: ';

export interface ProcessorDeps {
  workerId: string;
  env: NodeJS.ProcessEnv;
  box: SecretBox | undefined;
  link: RedisLink;
  stores: StoreCache;
  /** Objects in flight in this worker, shared by its tasks (`ferry worker --concurrency`). */
  slots: Semaphore;
  concurrency: number;
  /** This worker's own bandwidth limit (`ferry worker --bwlimit`), on top of the job's global one. */
  ownBytes?: RateLimiter | undefined;
  /** The worker's running totals (status line, registration). */
  meter: Progress;
  log: (line: string) => void;
}

/**
 * Copies one queued task's objects and returns a report row for each. A
 * pause or shutdown of this worker does not cut a task short: BullMQ waits
 * for it. A fatal error stops the task and fails the BullMQ job with
 * FATAL_PREFIX, which the coordinator turns into a failed run.
 */
export async function processTask(deps: ProcessorDeps, task: TaskPayload, report: (p: TaskProgress) => Promise<void>): Promise<TaskOutcome> {
  const started = Date.now();
  const { stores, release } = await deps.stores.acquire(task, () => ({ src: unsealSpec(task.src, deps.env, deps.box), dst: unsealSpec(task.dst, deps.env, deps.box) }));
  const abort = new AbortController();
  // Every object in flight listens on it (32 by default).
  setMaxListeners(0, abort.signal);
  const progress = new Progress();
  let fatal: unknown;
  let reporter: NodeJS.Timeout | undefined;
  try {
    const { src, dst } = stores;
    if (!isWritable(dst)) throw new FerryError('USAGE', `DST: ${dst.description} is read-only`, { fatal: true, field: 'DST' });
    const options = { ...copyOptions(task), concurrency: deps.concurrency };
    const uploads = new RedisUploadRegistry(deps.link, task.job, (err) => deps.log(`upload registry: ${describeError(err)}`));
    await uploads.preload(task.items.filter((i) => i.size >= options.multipartThreshold).map((i) => i.key));
    const onLimiterError = (err: unknown): void => deps.log(`rate limiter: ${describeError(err)} (retrying)`);
    const ctx: TransferContext = {
      src, dst, options, uploads,
      srcTraits: checksumTraits(src),
      dstTraits: checksumTraits(dst),
      signal: abort.signal,
      throttle: {
        bytes: allOf(deps.ownBytes, new RedisRateLimiter(deps.link, task.job, 'bytes', { onError: onLimiterError })),
        objects: new RedisRateLimiter(deps.link, task.job, 'objects', { onError: onLimiterError }),
      },
      onBytes: (n) => {
        progress.bytesMoved += n;
        deps.meter.bytesMoved += n;
      },
      onRetry: () => {
        progress.retries++;
      },
    };
    reporter = setInterval(() => void report({ worker: deps.workerId, bytes: progress.bytesMoved, objects: progress.copied + progress.failed }).catch(() => undefined), 1000);
    const onFatal = (err: unknown): void => {
      fatal ??= err;
      abort.abort(err);
    };
    const results: ResultRow[] = [];
    await copyItems({ ctx, progress, onFatal }, task.items, deps.slots, (row) => {
      results.push(row);
      if (row.status === 'migrated') deps.meter.copied++;
      else deps.meter.failed++;
    });
    if (fatal !== undefined) throw fatal;
    if (results.length !== task.items.length) throw new Error(`task ended with ${task.items.length - results.length} object(s) unfinished`);
    return { results, worker: deps.workerId, bytes: progress.bytesMoved, ms: Date.now() - started };
  } catch (err) {
    // Anything else (Redis gone for a moment, a bug) is worth another attempt, here or on another worker.
    throw new Error(`${isFatal(err) ? FATAL_PREFIX : ''}${describeError(err)}`, { cause: err });
  } finally {
    clearInterval(reporter);
    release();
  }
}

