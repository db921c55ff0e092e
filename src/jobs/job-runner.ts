import { setMaxListeners } from 'node:events';
import type Database from 'better-sqlite3';
import { describeError, FerryError, isFerryError } from '../core/index.js';
import { Progress, type CopyOptions } from '../engine/index.js';
import { DEFAULT_COPY_OPTIONS } from '../engine/copy-options.js';
import type { TransferContext } from '../engine/transfer/index.js';
import { copyItems } from './copy-item.js';
import { checksumTraits, isWritable, listStatsOf, type ObjectStore, type StoreSpec } from '../stores/index.js';
import { providerQuirks } from '../stores/s3/index.js';
import { createKeyFilter } from '../util/index.js';
import { HEARTBEAT_EVERY_MS, HEARTBEAT_STALE_MS, ENDED_STATES, type JobState, type RunKind } from './job-state.js';
import { JobRepository, type JobRow, type RunRow } from './job-repository.js';
import type { JobSpec } from './job-spec.js';
import { listRun } from './run-lister.js';
import { RunStore, type ResultRow, type TaskItem } from './run-store.js';
import { Semaphore } from './semaphore.js';
import type { TaskExecutor, TaskExecutorInput } from './task-executor.js';
import { UploadTable } from './upload-table.js';
import { buildThrottle, type JobThrottle } from './job-throttle.js';
import { nextCronTime, parseCron } from './cron.js';
import { ownerIsDeadHere, thisOwner } from './job-owner.js';
import { RunSampler } from './run-samples.js';

export interface RunJobInput {
  db: Database.Database;
  /** The Ferry home (report files go below it). */
  home: string;
  name: string;
  /** Opens the job's stores from its location strings (addresses are resolved by the caller's home). */
  resolve: (location: string, field: 'SRC' | 'DST') => StoreSpec;
  openStore: (spec: StoreSpec, role: 'source' | 'destination') => Promise<ObjectStore>;
  /** `retry` runs only the objects that failed in the last run. */
  mode?: 'start' | 'retry';
  /** Aborting pauses the run (Ctrl-C in the foreground). */
  signal?: AbortSignal;
  progress?: Progress;
  /** Called when the run ends, to write its reports. */
  onRunEnd?: (run: RunRow) => Promise<void>;
  log?: (line: string) => void;
  /** Who copies the tasks. @defaultValue this process (`ferry serve --queue` passes queue workers) */
  executor?: TaskExecutor;
}

export interface RunJobResult {
  run: RunRow;
  state: JobState;
}

/** How long results wait before they are written in one transaction. */
const FLUSH_MS = 250;

/**
 * Runs (or resumes) a job in this process until it succeeds, fails, or is
 * paused or stopped (from another terminal through the database, or by
 * `signal`). Safe to kill at any moment: listing resumes from its
 * checkpoints, finished objects are not copied again and multipart uploads
 * continue from their finished parts.
 */
export async function runJob(input: RunJobInput): Promise<RunJobResult> {
  const { db, name } = input;
  const jobs = new JobRepository(db);
  const owner = thisOwner();
  const job = jobs.get(name);
  // A holder on this machine whose process is gone (kill -9) need not wait out the heartbeat.
  if (job.owner !== null && ownerIsDeadHere(job.owner)) jobs.release(name, job.owner);
  if (!jobs.claim(name, owner, Date.now() - HEARTBEAT_STALE_MS)) {
    throw new FerryError('USAGE', `job "${name}" is running in another process (${job.owner ?? 'unknown'}); use ferry job pause/stop`, { fatal: true, field: 'NAME' });
  }
  try {
    const run = pickRun(jobs, job, input.mode ?? 'start');
    return await executeRun(input, jobs, jobs.get(name), run, owner);
  } finally {
    jobs.release(name, owner);
  }
}

/** Continues the job's unfinished run, or starts the next one (full, incremental, or retry). */
function pickRun(jobs: JobRepository, job: JobRow, mode: 'start' | 'retry'): RunRow {
  const current = job.currentRun === null ? undefined : jobs.getRun(job.name, job.currentRun);
  if (mode === 'start' && current && !ENDED_STATES.has(current.state)) return current;
  if (mode === 'retry') {
    if (!current) throw new FerryError('USAGE', `job "${job.name}" has not run yet: nothing to retry`, { fatal: true, field: 'NAME' });
    if (!ENDED_STATES.has(current.state)) throw new FerryError('USAGE', `job "${job.name}" run ${current.number} is ${current.state}: resume it before retrying`, { fatal: true });
    return jobs.startRun(job.name, 'retry', undefined);
  }
  const previous = jobs.runs(job.name).filter((r) => r.kind !== 'retry' && r.state !== 'stopped');
  const last = previous.at(-1);
  // After a full run, each scheduled run copies only what changed since the previous run started.
  const kind: RunKind = job.spec.schedule && last ? 'incremental' : 'full';
  const since = kind === 'incremental' && last ? last.startedAt : job.spec.copy.sinceMs;
  return jobs.startRun(job.name, kind, since);
}

async function executeRun(input: RunJobInput, jobs: JobRepository, job: JobRow, run: RunRow, owner: string): Promise<RunJobResult> {
  const { db, name } = input;
  const log = input.log ?? (() => undefined);
  const spec = job.spec;
  const store = new RunStore(db, name, run.number);
  const uploads = new UploadTable(db, name);
  const progress = input.progress ?? new Progress();
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  let endAs: 'pause' | 'stop' | undefined;
  const onOuter = (): void => {
    endAs ??= 'pause';
    abort.abort(new FerryError('INTERNAL', 'paused'));
  };
  input.signal?.addEventListener('abort', onOuter, { once: true });

  const requeued = store.requeueRunning();
  if (requeued > 0) log(`resuming run ${run.number}: ${requeued} interrupted task(s) back in the queue`);
  const srcSpec = input.resolve(spec.src, 'SRC');
  const dstSpec = input.resolve(spec.dst, 'DST');
  const src = await input.openStore(srcSpec, 'source');
  const dst = await input.openStore(dstSpec, 'destination');
  let fatal: unknown;
  let throttle: JobThrottle | undefined;
  try {
    if (!isWritable(dst)) throw new FerryError('USAGE', `DST: ${dst.description} is read-only`, { fatal: true, field: 'DST' });
    throttle = buildThrottle(spec);
    const options = copyOptions(spec);
    const retries = { n: run.retries };
    const ctx: TransferContext = {
      src, dst, options,
      srcTraits: checksumTraits(src),
      dstTraits: checksumTraits(dst),
      signal: abort.signal,
      uploads,
      throttle: throttle.throttle,
      onBytes: (n) => { progress.bytesMoved += n; },
      onRetry: () => { retries.n++; progress.retries++; },
    };
    jobs.setState(name, 'listing');
    jobs.setRunState(name, run.number, run.listingDone ? 'migrating' : 'listing');

    // Control loop: heartbeat, live progress, pause/stop requests and throttle changes from other processes.
    const initialListRequests = run.listRequests;
    let latestSpec = spec;
    // Throughput samples for the console's chart (every 2 s, plus this session's first and last).
    const sampler = new RunSampler(db, name, run.number);
    sampler.tick(run.bytesMoved, 0, true);
    const control = setInterval(() => {
      try {
        jobs.heartbeat(name, owner);
        progress.sample();
        const rate = progress.rate();
        jobs.setRunProgress(name, run.number, {
          bytesMoved: run.bytesMoved + progress.bytesMoved,
          rateBps: rate.bytesPerSec,
          rateOps: rate.objectsPerSec,
          listRequests: initialListRequests + listRequestsOf(src) + listRequestsOf(dst),
          retries: retries.n + listRetriesOf(src, dst),
        });
        sampler.tick(run.bytesMoved + progress.bytesMoved, progress.copied);
        const now = jobs.get(name);
        if (now.desired === 'pause' || now.desired === 'stop') {
          endAs ??= now.desired;
          abort.abort(new FerryError('INTERNAL', now.desired === 'pause' ? 'paused' : 'stopped'));
        }
        throttle?.update(now.spec);
        latestSpec = now.spec;
      } catch (err) {
        log(`control loop: ${describeError(err)}`);
      }
    }, Math.min(HEARTBEAT_EVERY_MS, 1000));
    control.unref();

    try {
      const listing = run.kind === 'retry' ? seedRetry(db, name, run, store) : run.listingDone ? Promise.resolve() : listRun({
        store, src, dst,
        decide: {
          // The user's --since is strict; an incremental run's bound still copies what is missing.
          options: { overwrite: options.overwrite, sinceMs: spec.copy.sinceMs, filter: options.filter },
          incrementalSinceMs: run.kind === 'incremental' ? (run.sinceMs ?? undefined) : undefined,
          srcEtagIsMd5: ctx.srcTraits.etagIsMd5,
          dstEtagIsMd5: ctx.dstTraits.etagIsMd5,
          archiveClasses: new Set(srcSpec.type === 's3' ? providerQuirks(srcSpec.provider).archiveClasses : []),
        },
        limits: { maxObjects: spec.tasks.maxObjects, maxBytes: spec.tasks.maxBytes },
        concurrency: spec.tasks.listConcurrency,
        levelDepth: spec.tasks.listDepth,
        signal: abort.signal,
        onListed: (n, bytes) => {
          progress.listed += n;
          progress.bytesListed += bytes;
        },
      });
      let listingDone = run.listingDone;
      const listed = listing.then(() => {
        if (!abort.signal.aborted) {
          listingDone = true;
          progress.listingDone = true;
          jobs.setListingDone(name, run.number);
          jobs.setRunState(name, run.number, 'migrating');
          log(`listing finished (${progress.listed} objects this session)`);
        }
      });
      listed.catch((err: unknown) => {
        fatal ??= err;
        abort.abort(err);
      });
      jobs.setState(name, 'migrating');
      await (input.executor ?? IN_PROCESS).execute({
        job: name, run: run.number, runStartedAt: run.startedAt, spec: () => latestSpec, srcSpec, dstSpec, log,
        store, ctx, options, owner, abort, progress, isListingDone: () => listingDone, onFatal: (err) => { fatal ??= err; abort.abort(err); },
      });
      await listed.catch(() => undefined);
    } finally {
      clearInterval(control);
      input.signal?.removeEventListener('abort', onOuter);
      jobs.setRunProgress(name, run.number, {
        bytesMoved: run.bytesMoved + progress.bytesMoved, rateBps: 0, rateOps: 0,
        listRequests: initialListRequests + listRequestsOf(src) + listRequestsOf(dst), retries: retries.n + listRetriesOf(src, dst),
      });
      sampler.tick(run.bytesMoved + progress.bytesMoved, progress.copied, true);
    }
  } catch (err) {
    fatal ??= err;
  }

  let state: JobState;
  if (fatal && !(endAs && isPauseError(fatal))) {
    state = 'failed';
    jobs.setRunState(name, run.number, 'failed', { error: describeError(fatal), ended: true });
    log(`run ${run.number} failed: ${describeError(fatal)}`);
  } else if (endAs === 'pause') {
    state = 'paused';
    jobs.setRunState(name, run.number, 'paused');
  } else {
    if (endAs !== 'stop') await abortOrphans(dst, uploads, log);
    const counts = store.counts();
    state = endAs === 'stop' ? 'stopped' : counts.failed > 0 ? 'failed' : 'succeeded';
    jobs.setRunState(name, run.number, state, { ended: true });
  }
  await Promise.all([src.close(), dst.close()]);
  const ended = jobs.getRun(name, run.number);
  if (ENDED_STATES.has(state)) await input.onRunEnd?.(ended);
  jobs.setState(name, state, { desired: null, nextRunAt: nextRunAt(jobs, jobs.get(name), state) });
  if (fatal && !(endAs && isPauseError(fatal))) throw fatal;
  return { run: ended, state };
}

function isPauseError(err: unknown): boolean {
  return isFerryError(err) && err.code === 'INTERNAL' && (err.message === 'paused' || err.message === 'stopped');
}

type ExecuteInput = Pick<TaskExecutorInput, 'store' | 'ctx' | 'options' | 'owner' | 'abort' | 'progress' | 'isListingDone' | 'onFatal'>;

/**
 * Copies the run's tasks as listing produces them, `concurrency` objects in
 * flight across tasks. Each object's result is written (in batches) as it
 * ends, so a restart redoes only objects without a result.
 */
async function executeTasks(input: ExecuteInput): Promise<void> {
  const { store, ctx, options, abort, progress } = input;
  const slots = new Semaphore(options.concurrency);
  let buffer: ResultRow[] = [];
  const flush = (): void => {
    const rows = buffer;
    buffer = [];
    store.writeResults(rows);
  };
  const flusher = setInterval(flush, FLUSH_MS);
  flusher.unref();
  const runningTasks = new Set<Promise<void>>();

  const runTask = async (seq: number): Promise<void> => {
    const items = store.unfinishedItems(seq);
    progress.toCopy += items.length;
    progress.bytesToCopy += items.reduce((a, i) => a + i.size, 0);
    await copyItems({ ctx, progress, onFatal: input.onFatal }, items, slots, (row) => buffer.push(row));
    flush();
    if (abort.signal.aborted) store.releaseTask(seq);
    else store.finishTask(seq);
  };

  try {
    for (;;) {
      if (abort.signal.aborted) break;
      const task = store.claimTask(input.owner);
      if (task) {
        const p = runTask(task.seq).finally(() => runningTasks.delete(p));
        runningTasks.add(p);
        // Two tasks in flight keep the pipe full across a task boundary.
        if (runningTasks.size >= 2) await Promise.race(runningTasks);
        continue;
      }
      if (input.isListingDone() && !store.hasPendingOrOpen()) break;
      // Listing has not produced a full task yet: wait for one (or for a running one to end).
      await Promise.race([new Promise((r) => setTimeout(r, 100)), ...runningTasks]);
    }
    await Promise.all(runningTasks);
  } finally {
    clearInterval(flusher);
    flush();
  }
}

const IN_PROCESS: TaskExecutor = { execute: executeTasks };

/** A retry run's tasks are the failed objects of the last run before it. */
async function seedRetry(db: Database.Database, name: string, run: RunRow, store: RunStore): Promise<void> {
  if (run.listingDone) return;
  const previous = new RunStore(db, name, run.number - 1);
  const part = store.listParts()[0]?.idx ?? store.addListPart('', 0, false);
  let batch: TaskItem[] = [];
  for (const item of previous.failedItems()) {
    batch.push(item);
    if (batch.length >= 1000) {
      store.checkpoint(part, item.key, { items: batch, skipped: [], subPrefixes: [] }, { maxObjects: 10_000, maxBytes: Number.MAX_SAFE_INTEGER });
      batch = [];
    }
  }
  store.checkpoint(part, null, { items: batch, skipped: [], subPrefixes: [] }, { maxObjects: 10_000, maxBytes: Number.MAX_SAFE_INTEGER });
  store.finishListPart(part);
}

/** Multipart uploads the run started and never finished (their objects failed) are aborted, so no storage is billed for them. */
async function abortOrphans(dst: ObjectStore, uploads: UploadTable, log: (l: string) => void): Promise<void> {
  for (const u of uploads.all()) {
    const abortable = dst as Partial<{ abortMultipart(key: string, id: string): Promise<void> }>;
    await abortable.abortMultipart?.(u.key, u.uploadId).catch((err: unknown) => log(`abort upload of ${u.key}: ${describeError(err)}`));
    uploads.remove(u.key);
  }
}

function nextRunAt(jobs: JobRepository, job: JobRow, state: JobState): number | null {
  const schedule = job.spec.schedule;
  if (!schedule || !ENDED_STATES.has(state) || state === 'stopped') return null;
  const runs = jobs.runs(job.name).filter((r) => r.kind !== 'retry');
  if ('every' in schedule) {
    if (runs.length >= schedule.times) return null;
    const last = runs.at(-1);
    return (last?.startedAt ?? Date.now()) + schedule.every;
  }
  return nextCronTime(parseCron(schedule.cron), Date.now()) ?? null;
}

/** This session's LIST retries on both ends (stores count from zero when opened). */
function listRetriesOf(src: ObjectStore, dst: ObjectStore): number {
  return listStatsOf(src).retries + listStatsOf(dst).retries;
}

function listRequestsOf(store: ObjectStore): number {
  return listStatsOf(store).requests;
}

export function copyOptions(spec: Pick<JobSpec, 'copy'>): CopyOptions {
  const c = spec.copy;
  return {
    ...DEFAULT_COPY_OPTIONS,
    overwrite: c.overwrite,
    sinceMs: c.sinceMs,
    filter: c.include.length || c.exclude.length ? createKeyFilter({ include: c.include, exclude: c.exclude }) : undefined,
    concurrency: c.concurrency,
    multipartThreshold: c.multipartThreshold,
    partSize: c.partSize,
    partConcurrency: c.partConcurrency,
    serverSideCopy: c.serverSideCopy,
    attempts: c.attempts,
    storageClass: c.storageClass,
    dryRun: false,
  };
}
