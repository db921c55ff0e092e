import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeError } from '../../core/index.js';
import { Progress } from '../../engine/index.js';
import { TokenBucket } from '../../engine/throttle/index.js';
import { Semaphore } from '../../jobs/semaphore.js';
import { openStore } from '../../stores/index.js';
import { formatBytes } from '../../util/index.js';
import { bullConnection } from './connection.js';
import { connectOrExplain, describeTarget, type RedisTarget } from './queue-url.js';
import { QUEUE_NAME } from './redis-keys.js';
import { RedisLink } from './redis-link.js';
import { sharedSecretBox } from './spec-sealing.js';
import { StoreCache } from './store-cache.js';
import { FATAL_PREFIX, processTask, type ProcessorDeps } from './task-processor.js';
import { PAYLOAD_VERSION, taskPayloadSchema, type TaskOutcome } from './task-payload.js';
import { REPORT_EVERY_MS, reportWorker, type WorkerRecord } from './worker-registry.js';

export interface QueueWorkerOptions {
  target: RedisTarget;
  /** Names this worker in `ferry job status` and the job's task table. @defaultValue `host:pid` */
  id?: string | undefined;
  /** Objects in flight in this worker, shared by its tasks. @defaultValue 32 */
  concurrency?: number | undefined;
  /** Tasks copied at once. @defaultValue 1 */
  tasks?: number | undefined;
  /** This worker's own bandwidth limit in bytes/s, on top of each job's global limit. @defaultValue none */
  bwlimit?: number | undefined;
  /**
   * How long a task's lock lasts without renewal (BullMQ renews it at half
   * this while the worker lives). A killed worker's task goes to another
   * worker once the lock has lapsed and a stalled check has seen it: within
   * `lockDurationMs + stalledIntervalMs`. @defaultValue 15000
   */
  lockDurationMs?: number | undefined;
  /** How often this worker looks for other workers' stalled tasks. @defaultValue 5000 */
  stalledIntervalMs?: number | undefined;
  /** How often a status line is printed. @defaultValue 10000 */
  statusEveryMs?: number | undefined;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/**
 * `ferry worker`: takes tasks from the queue, copies their objects, returns
 * a report row per object. Any number may run, on any machines, joining or
 * leaving while jobs run; each needs only the queue URL, network access to
 * the stores and the shared FERRY_SECRET_KEY (or the secrets' variables).
 */
export class QueueWorker {
  readonly id: string;
  private readonly link: RedisLink;
  private readonly stores = new StoreCache(openStore);
  private readonly meter = new Progress();
  private readonly active = new Map<string, number>();
  private readonly startedAt = new Date().toISOString();
  private worker: Worker | undefined;
  /** Ours to close after the worker (BullMQ leaves a given client open). */
  private connection: Redis | undefined;
  private timers: NodeJS.Timeout[] = [];
  private tasksDone = 0;
  private state: WorkerRecord['state'] = 'running';

  constructor(private readonly o: QueueWorkerOptions) {
    this.id = o.id ?? `${hostname()}:${process.pid}`;
    this.link = new RedisLink(o.target);
  }

  async start(): Promise<void> {
    const { o } = this;
    (await connectOrExplain(o.target)).close();
    const box = sharedSecretBox(o.env);
    const concurrency = o.concurrency ?? 32;
    const deps: ProcessorDeps = {
      workerId: this.id, env: o.env, box, link: this.link, stores: this.stores, concurrency, slots: new Semaphore(concurrency), meter: this.meter, log: o.log,
      ownBytes: o.bwlimit === undefined ? undefined : new TokenBucket(o.bwlimit),
    };
    this.worker = new Worker(QUEUE_NAME, (job: Job) => this.process(deps, job), {
      connection: (this.connection = bullConnection(o.target)),
      concurrency: o.tasks ?? 1,
      lockDuration: o.lockDurationMs ?? 15_000,
      stalledInterval: o.stalledIntervalMs ?? 5_000,
      // A task stalls when its worker dies; twice is bad luck, more is a task that kills workers.
      maxStalledCount: 2,
      name: this.id,
    });
    this.worker.on('error', (err) => o.log(`queue: ${describeError(err)}`));
    await this.worker.waitUntilReady();
    if (!box) o.log(`note: FERRY_SECRET_KEY is not set: only tasks whose secrets come from environment variables can run here`);
    o.log(`worker ${this.id}: taking tasks from ${describeTarget(o.target)} queue ${QUEUE_NAME}, ${o.tasks ?? 1} task(s) at once, ${concurrency} objects in flight${o.bwlimit ? `, own limit ${formatBytes(o.bwlimit)}/s` : ''}`);
    await this.report();
    this.timers = [
      setInterval(() => void this.report().catch((err: unknown) => o.log(`registry: ${describeError(err)}`)), REPORT_EVERY_MS),
      setInterval(() => this.printStatus(), o.statusEveryMs ?? 10_000),
    ];
  }

  /** Stops taking tasks and waits for the ones in hand to finish. */
  async close(): Promise<void> {
    this.state = 'stopping';
    await this.report().catch(() => undefined);
    await this.worker?.close();
    this.connection?.disconnect();
    for (const t of this.timers) clearInterval(t);
    this.state = 'stopped';
    await this.report().catch(() => undefined);
    await this.stores.closeAll();
    this.link.close();
    this.o.log(`worker ${this.id}: stopped after ${this.tasksDone} task(s), ${this.meter.copied} objects, ${formatBytes(this.meter.bytesMoved)}`);
  }

  private async process(deps: ProcessorDeps, job: Job): Promise<TaskOutcome> {
    const id = job.id ?? '?';
    const parsed = taskPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      const v = (job.data as { v?: unknown } | undefined)?.v;
      throw new UnrecoverableError(`${FATAL_PREFIX}task ${id} is not a Ferry task this worker understands (payload version ${String(v)}, this worker reads ${PAYLOAD_VERSION}): upgrade the workers`);
    }
    const task = parsed.data;
    const bytes = task.items.reduce((a, i) => a + i.size, 0);
    const again = job.stalledCounter > 0 ? `, taken over from a worker that stopped answering` : job.attemptsMade > 0 ? `, attempt ${job.attemptsMade + 1}` : '';
    this.o.log(`task ${id}: start, ${task.items.length} objects, ${formatBytes(bytes)}${again}`);
    this.active.set(id, Date.now());
    try {
      const out = await processTask(deps, task, (p) => job.updateProgress(p));
      const failed = out.results.filter((r) => r.status === 'failed').length;
      const secs = Math.max(0.001, out.ms / 1000);
      this.tasksDone++;
      this.o.log(`task ${id}: done, ${out.results.length - failed} migrated, ${failed} failed, ${formatBytes(out.bytes)} in ${secs.toFixed(1)} s (${formatBytes(out.bytes / secs)}/s, ${(out.results.length / secs).toFixed(0)} obj/s)`);
      return out;
    } catch (err) {
      this.o.log(`task ${id}: failed: ${describeError(err)}`);
      throw err;
    } finally {
      this.active.delete(id);
    }
  }

  private record(): WorkerRecord {
    this.meter.sample();
    const rate = this.meter.rate();
    return {
      id: this.id, host: hostname(), pid: process.pid, startedAt: this.startedAt, state: this.state, tasks: [...this.active.keys()],
      concurrency: this.o.concurrency ?? 32, taskSlots: this.o.tasks ?? 1, bytesPerSec: rate.bytesPerSec, objectsPerSec: rate.objectsPerSec,
      tasksDone: this.tasksDone, objectsDone: this.meter.copied, bytesDone: this.meter.bytesMoved,
    };
  }

  private report(): Promise<void> {
    return reportWorker(this.link, this.record());
  }

  private printStatus(): void {
    const r = this.record();
    this.o.log(
      `status: ${r.tasks.length ? `copying ${r.tasks.join(', ')}` : 'idle, waiting for tasks'}; ${formatBytes(r.bytesPerSec)}/s, ${r.objectsPerSec.toFixed(0)} obj/s; ` +
        `done ${r.tasksDone} task(s), ${r.objectsDone} objects, ${formatBytes(r.bytesDone)}`,
    );
  }
}
