import type { Job, JobsOptions, Queue } from 'bullmq';
import { describeError, FerryError } from '../../core/index.js';
import type { ResultRow } from '../../jobs/run-store.js';
import type { TaskExecutorInput } from '../../jobs/task-executor.js';
import { publishLimits } from './limits-publisher.js';
import { parseTaskJobId, taskJobId } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';
import { RedisUploadRegistry } from './redis-upload-registry.js';
import type { SealedSpec } from './spec-sealing.js';
import { FATAL_PREFIX } from './task-processor.js';
import { PAYLOAD_VERSION, type TaskOutcome, type TaskPayload, type TaskProgress } from './task-payload.js';

/** What one run's coordination needs from the executor that owns the shared connections. */
export interface CoordinationDeps {
  queue: Queue;
  link: RedisLink;
  /** Tasks to keep waiting in the queue now (back-pressure). */
  maxWaiting: () => Promise<number>;
  seal: (spec: TaskExecutorInput['srcSpec'], location: string) => SealedSpec;
  /** Attempts per task before its objects are recorded as failed. */
  attempts: number;
}

/** A task handed to the queue and not yet recorded. */
interface Flight {
  id: string;
  /** What the worker last reported for its current attempt. */
  worker: string | undefined;
  bytes: number;
  objects: number;
}

/** How often queued tasks are checked when no event said anything (events are lost across restarts). */
const POLL_MS = 2_000;
const LIMITS_EVERY_MS = 1_000;
const KEEP_FINISHED_S = 7 * 86_400;

/**
 * One run handed to queue workers. The run store stays the truth: a task is
 * claimed there (worker `queue`) before it is queued, and finished there
 * when its outcome is recorded, so a coordinator killed at any moment
 * resumes by queueing its unfinished tasks again. Queueing is idempotent (a
 * task's BullMQ job id is fixed), so a task still on a worker, or finished
 * while no coordinator ran, is picked up where it is instead of copied twice.
 */
export class RunCoordination {
  private readonly inFlight = new Map<number, Flight>();
  private wake: (() => void) | undefined;
  private sealed: { src: SealedSpec; dst: SealedSpec } | undefined;

  constructor(
    private readonly deps: CoordinationDeps,
    private readonly input: TaskExecutorInput,
  ) {}

  async run(): Promise<void> {
    const { input } = this;
    const spec = input.spec();
    // Refuses (the run fails with this error) before anything is queued when a secret cannot travel safely.
    this.sealed = { src: this.deps.seal(input.srcSpec, spec.src), dst: this.deps.seal(input.dstSpec, spec.dst) };
    await publishLimits(this.deps.link, input.job, spec);
    const timers = [
      setInterval(() => void publishLimits(this.deps.link, input.job, input.spec()).catch((err: unknown) => input.log(`publishing limits: ${describeError(err)}`)), LIMITS_EVERY_MS),
      setInterval(() => void this.poll().catch((err: unknown) => input.log(`checking queued tasks: ${describeError(err)}`)), POLL_MS),
    ];
    const onAbort = (): void => this.wake?.();
    input.abort.signal.addEventListener('abort', onAbort);
    try {
      while (!input.abort.signal.aborted) {
        try {
          await this.fill();
        } catch (err) {
          // Redis away for a moment: a long run waits for it rather than failing.
          input.log(`queueing tasks: ${describeError(err)} (retrying)`);
          await this.nap(2000);
          continue;
        }
        if (input.isListingDone() && this.inFlight.size === 0 && !input.store.hasPendingOrOpen()) break;
        await this.nap(250);
      }
    } finally {
      for (const t of timers) clearInterval(t);
      input.abort.signal.removeEventListener('abort', onAbort);
    }
    if (input.abort.signal.aborted) await this.takeBack();
    else {
      await this.removeRecordedLeftovers();
      await this.abortOrphanUploads();
    }
  }

  /** A BullMQ event about one of this run's tasks: look at it now. */
  onSettled(seq: number): void {
    void this.settle(seq).catch((err: unknown) => this.input.log(`recording task ${seq}: ${describeError(err)}`));
  }

  onProgress(seq: number, p: TaskProgress): void {
    const f = this.inFlight.get(seq);
    if (!f || typeof p !== 'object' || p === null) return;
    // Another worker, or a new attempt: its counts start again.
    if (p.worker !== f.worker || p.bytes < f.bytes) Object.assign(f, { worker: p.worker, bytes: 0, objects: 0 });
    this.input.progress.bytesMoved += p.bytes - f.bytes;
    this.input.progress.copied += p.objects - f.objects;
    f.bytes = p.bytes;
    f.objects = p.objects;
  }

  onStalled(seq: number): void {
    const f = this.inFlight.get(seq);
    if (f) this.input.log(`task ${f.id}: worker ${f.worker ?? '?'} stopped answering (killed?); the queue hands the task to another worker`);
  }

  /** Waits `ms`, or less when an event or an abort wakes the loop. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Queues claimed tasks while fewer than `maxWaiting` wait, so Redis holds a bounded number however big the run. */
  private async fill(): Promise<void> {
    const { queue } = this.deps;
    const max = await this.deps.maxWaiting();
    const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
    let waiting = Object.values(counts).reduce((a, n) => a + n, 0);
    while (waiting < max && !this.input.abort.signal.aborted) {
      const task = this.input.store.claimTask('queue');
      if (!task) break;
      try {
        if (await this.enqueue(task.seq)) waiting++;
      } catch (err) {
        // Not handed out after all: back to pending, or it would wait for the next run.
        if (!this.inFlight.has(task.seq)) this.input.store.releaseTask(task.seq);
        throw err;
      }
    }
  }

  /** Hands a claimed task to the queue; false when it was already there (adopted) or had nothing left to copy. */
  private async enqueue(seq: number): Promise<boolean> {
    const { input, deps } = this;
    const id = taskJobId(input.job, input.run, seq);
    const existing = await deps.queue.getJob(id);
    if (existing) {
      if ((existing.data as Partial<TaskPayload>).runToken === input.runStartedAt) {
        this.inFlight.set(seq, { id, worker: undefined, bytes: 0, objects: 0 });
        await this.settle(seq);
        return false;
      }
      // A leftover of a deleted job's run with the same name and number.
      if ((await deps.queue.remove(id)) === 0) {
        input.log(`task ${id}: an older job's task of the same id is still on a worker; waiting for it`);
        input.store.releaseTask(seq);
        return false;
      }
    }
    const items = input.store.unfinishedItems(seq);
    if (items.length === 0) {
      input.store.finishTask(seq);
      return false;
    }
    const sealed = this.sealed!;
    const payload: TaskPayload = { v: PAYLOAD_VERSION, job: input.job, run: input.run, runToken: input.runStartedAt, seq, src: sealed.src, dst: sealed.dst, copy: input.spec().copy, items };
    const opts: JobsOptions = {
      jobId: id,
      attempts: deps.attempts,
      backoff: { type: 'exponential', delay: 2_000 },
      // Removed once recorded; the age is for tasks whose coordinator never came back.
      removeOnComplete: { age: KEEP_FINISHED_S },
      removeOnFail: { age: KEEP_FINISHED_S },
    };
    // In the map first: a fast worker's "completed" may arrive before add() returns.
    this.inFlight.set(seq, { id, worker: undefined, bytes: 0, objects: 0 });
    try {
      await deps.queue.add('copy', payload, opts);
    } catch (err) {
      this.inFlight.delete(seq);
      input.store.releaseTask(seq);
      throw err;
    }
    input.progress.toCopy += items.length;
    input.progress.bytesToCopy += items.reduce((a, i) => a + i.size, 0);
    this.wake?.();
    return true;
  }

  private async poll(): Promise<void> {
    for (const seq of [...this.inFlight.keys()]) await this.settle(seq);
  }

  /** Records a task the queue finished (or failed for good); leaves it be while it waits or runs. */
  private async settle(seq: number): Promise<void> {
    const { input, deps } = this;
    const f = this.inFlight.get(seq);
    if (!f) return;
    const state = await deps.queue.getJobState(f.id);
    if (state === 'unknown') {
      // Gone from the queue (removed by hand, Redis emptied): queue it again.
      if (this.inFlight.get(seq) !== f) return;
      this.inFlight.delete(seq);
      input.store.releaseTask(seq);
      input.log(`task ${f.id}: no longer in the queue; queueing it again`);
      return;
    }
    if (state !== 'completed' && state !== 'failed') return;
    const job = await deps.queue.getJob(f.id);
    // Another call recorded it while this one waited for Redis.
    if (!job || this.inFlight.get(seq) !== f) return;
    this.inFlight.delete(seq);
    if (state === 'completed') this.recordCompleted(seq, f, job);
    else this.recordFailed(seq, job);
    await deps.queue.remove(f.id);
    this.wake?.();
  }

  private recordCompleted(seq: number, f: Flight, job: Job): void {
    const { input } = this;
    const out = job.returnvalue as TaskOutcome;
    input.store.writeResults(out.results);
    input.store.finishTask(seq, out.worker);
    const migrated = out.results.filter((r) => r.status === 'migrated').length;
    const same = out.worker === f.worker;
    input.progress.bytesMoved += Math.max(0, out.bytes - (same ? f.bytes : 0));
    input.progress.copied += Math.max(0, migrated - (same ? f.objects : 0));
    input.progress.failed += out.results.length - migrated;
    const history = job.stalledCounter > 0 ? ` (after ${job.stalledCounter} stalled attempt(s))` : job.attemptsMade > 1 ? ` (attempt ${job.attemptsMade})` : '';
    input.log(`task ${f.id}: done by ${out.worker}${history}: ${migrated} migrated, ${out.results.length - migrated} failed`);
  }

  private recordFailed(seq: number, job: Job): void {
    const { input } = this;
    const reason = job.failedReason || 'failed';
    if (reason.startsWith(FATAL_PREFIX)) {
      // The run ends, as with a fatal error in one process; the task stays unfinished for a resume.
      input.store.releaseTask(seq);
      input.onFatal(new FerryError('CONFIG', reason.slice(FATAL_PREFIX.length), { fatal: true }));
      return;
    }
    const now = Date.now();
    const rows: ResultRow[] = input.store.unfinishedItems(seq).map((i) => ({
      key: i.key, status: 'failed', size: i.size, srcEtag: i.etag, srcMtimeMs: i.mtimeMs, startedAt: now, endedAt: now, reason: i.reason,
      error: `task failed ${job.attemptsMade} time(s): ${reason}`, attempts: job.attemptsMade,
    }));
    input.store.writeResults(rows);
    input.store.finishTask(seq);
    input.progress.failed += rows.length;
    input.log(`task ${job.id ?? seq}: failed for good after ${job.attemptsMade} attempt(s): ${reason}; its ${rows.length} unfinished object(s) are recorded as failed`);
  }

  /**
   * On pause or stop: tasks still waiting leave the queue; tasks on a worker
   * are left to finish there (cutting them would waste the work) and are
   * recorded when the job resumes. Both go back to pending in the run store.
   */
  private async takeBack(): Promise<void> {
    // Tasks that finished meanwhile are recorded, not thrown away.
    await this.poll().catch(() => undefined);
    let taken = 0;
    let left = 0;
    for (const [seq, f] of this.inFlight) {
      if ((await this.deps.queue.remove(f.id).catch(() => 0)) === 1) taken++;
      else left++;
      this.input.store.releaseTask(seq);
    }
    this.inFlight.clear();
    if (taken + left > 0) this.input.log(`took ${taken} waiting task(s) back from the queue; ${left} on workers finish there and are recorded on resume`);
  }

  /**
   * Every task is recorded when the run ends, so any of its BullMQ jobs still
   * finished in the queue is one a killed coordinator recorded but had not
   * removed yet (it records, then removes): gone now rather than in a week.
   */
  private async removeRecordedLeftovers(): Promise<void> {
    const { input, deps } = this;
    for (const id of await deps.queue.getRanges(['completed', 'failed'])) {
      const t = parseTaskJobId(id);
      if (t?.job === input.job && t.run === input.run) await deps.queue.remove(id);
    }
  }

  /** Multipart uploads of objects that failed for good, left open by workers: nobody will finish them. */
  private async abortOrphanUploads(): Promise<void> {
    const { input, deps } = this;
    const dst = input.ctx.dst as Partial<{ abortMultipart(key: string, id: string): Promise<void> }>;
    for (const { key, upload } of await RedisUploadRegistry.all(deps.link, input.job)) {
      await dst.abortMultipart?.(key, upload.uploadId).catch((err: unknown) => input.log(`abort upload of ${key}: ${describeError(err)}`));
      await RedisUploadRegistry.forget(deps.link, input.job, key);
    }
  }
}
