import { setMaxListeners } from 'node:events';
import { describeError, FerryError, isFatal, isFerryError, type ObjectInfo } from '../core/index.js';
import { checksumTraits, listStatsOf, listWarningsOf, type ObjectStore, type WritableStore } from '../stores/index.js';
import type { CopyEvent, CopySummary } from './copy-events.js';
import type { CopyOptions } from './copy-options.js';
import { decide, type DecideContext } from './decide.js';
import { parallelMarch } from './parallel-march.js';
import { Progress } from './progress.js';
import type { Throttle } from './throttle/index.js';
import { attemptsOf, transferObject, type TransferContext } from './transfer/index.js';

export interface CopyRunInput {
  src: ObjectStore;
  dst: WritableStore;
  options: CopyOptions;
  /** Storage classes of the source that need a restore before reading. */
  archiveClasses?: readonly string[];
  onEvent?: (event: CopyEvent) => void;
  progress?: Progress;
  signal?: AbortSignal;
  /**
   * Bandwidth and objects-per-second limits. Objects are counted as they
   * start, once each (retries are not charged); bytes as they stream, so a
   * retried body is charged again, as it crosses the network again.
   */
  throttle?: Throttle;
}

/** Failures kept in the summary; the full list goes to the report. */
const MAX_FAILURES_IN_SUMMARY = 1000;

/**
 * Copies everything under `src` to `dst`: both listings are merged (sub-prefix
 * by sub-prefix, several at once), each object decided from them alone, and the ones to copy transferred with
 * `concurrency` in flight while listing continues. A fatal error (access
 * denied, no such bucket) stops the run and is thrown; other failures are
 * counted, reported and the run goes on.
 */
export async function runCopy(input: CopyRunInput): Promise<CopySummary> {
  const { src, dst, options } = input;
  const progress = input.progress ?? new Progress();
  const emit = input.onEvent ?? (() => undefined);
  const summary: CopySummary = {
    listed: 0, copied: 0, skipped: 0, failed: 0, bytesListed: 0, bytesCopied: 0, durationMs: 0, retries: 0,
    skippedByReason: {}, failures: [],
  };
  if (options.dryRun) summary.wouldCopy = 0;

  const srcTraits = checksumTraits(src);
  const dstTraits = checksumTraits(dst);
  const decideCtx: DecideContext = {
    options,
    srcEtagIsMd5: srcTraits.etagIsMd5,
    dstEtagIsMd5: dstTraits.etagIsMd5,
    archiveClasses: new Set(input.archiveClasses ?? []),
  };
  const abort = new AbortController();
  // Every request and back-off of every object in flight listens on this one signal.
  setMaxListeners(0, abort.signal);
  const onOuterAbort = (): void => abort.abort(input.signal?.reason);
  input.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let fatal: unknown;

  const ctx: TransferContext = {
    src, dst, srcTraits, dstTraits, options,
    signal: abort.signal,
    throttle: input.throttle,
    onBytes: (n) => {
      progress.bytesMoved += n;
    },
    onRetry: (key, err) => {
      progress.retries++;
      summary.retries++;
      emit({ type: 'retry', key, error: describeError(err) });
    },
  };

  const fail = (object: ObjectInfo, err: unknown, attempts: number, startedAt: number): void => {
    summary.failed++;
    progress.failed++;
    const error = describeError(err);
    if (summary.failures.length < MAX_FAILURES_IN_SUMMARY) summary.failures.push({ key: object.key, error });
    emit({ type: 'failed', object, error, code: isFerryError(err) ? err.code : 'INTERNAL', attempts, startedAt, endedAt: Date.now() });
  };

  const transfer = async (object: ObjectInfo, reason: string): Promise<void> => {
    const startedAt = Date.now();
    try {
      const result = await transferObject(ctx, object);
      summary.copied++;
      progress.copied++;
      summary.bytesCopied += result.object.size;
      emit({ type: 'copied', object: result.object, reason, outcome: result, attempts: result.attempts, startedAt, endedAt: Date.now() });
    } catch (err) {
      if (isFatal(err)) {
        fatal ??= err;
        abort.abort(err);
        return;
      }
      if (abort.signal.aborted) return;
      fail(object, err, attemptsOf(err) ?? ctx.options.attempts, startedAt);
    }
  };

  // Warnings and LIST retries are counted per store; only this run's belong to its summary.
  const warningsBefore = listWarningsOf(src).length;
  const listRetriesBefore = listStatsOf(src).retries + listStatsOf(dst).retries;
  const inFlight = new Set<Promise<void>>();
  const objectLimit = input.throttle?.objects;
  const started = Date.now();
  try {
    for await (const { src: object, dst: existing } of parallelMarch(src, dst, { concurrency: options.listConcurrency })) {
      if (fatal || abort.signal.aborted) break;
      summary.listed++;
      summary.bytesListed += object.size;
      progress.listed++;
      progress.bytesListed += object.size;
      const decision = decide(object, existing, decideCtx);
      if (decision.action === 'skip') {
        summary.skipped++;
        progress.skipped++;
        summary.skippedByReason[decision.reason] = (summary.skippedByReason[decision.reason] ?? 0) + 1;
        emit({ type: 'skipped', object, reason: decision.reason, dst: existing });
        continue;
      }
      progress.toCopy++;
      progress.bytesToCopy += object.size;
      if (options.dryRun) {
        summary.wouldCopy = (summary.wouldCopy ?? 0) + 1;
        emit({ type: 'would-copy', object, reason: decision.reason });
        continue;
      }
      if (objectLimit) {
        // Rejects only on abort, which the check below turns into the run's own error.
        await objectLimit.take(1, abort.signal).catch(() => undefined);
        if (fatal || abort.signal.aborted) break;
      }
      const task = transfer(object, decision.reason).finally(() => inFlight.delete(task));
      inFlight.add(task);
      while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    }
    progress.listingDone = true;
  } catch (err) {
    fatal ??= err;
    abort.abort(err);
  } finally {
    await Promise.allSettled(inFlight);
    input.signal?.removeEventListener('abort', onOuterAbort);
  }
  for (const warning of listWarningsOf(src).slice(warningsBefore)) {
    summary.listed++;
    fail({ key: warning.key, size: 0, mtimeMs: 0 }, new FerryError(warning.code, warning.error), 1, Date.now());
  }
  summary.retries += listStatsOf(src).retries + listStatsOf(dst).retries - listRetriesBefore;
  summary.durationMs = Date.now() - started;
  if (fatal) throw fatal;
  if (input.signal?.aborted) throw new FerryError('INTERNAL', 'copy cancelled', { fatal: true, cause: input.signal.reason });
  return summary;
}
