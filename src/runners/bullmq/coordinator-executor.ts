import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeError } from '../../core/index.js';
import type { TaskExecutor, TaskExecutorInput } from '../../jobs/task-executor.js';
import type { StoreSpec } from '../../stores/index.js';
import { bullConnection } from './connection.js';
import { connectOrExplain, describeTarget, type RedisTarget } from './queue-url.js';
import { parseTaskJobId, QUEUE_NAME } from './redis-keys.js';
import { RedisLink } from './redis-link.js';
import { RunCoordination } from './run-coordination.js';
import type { SealedSpec } from './spec-sealing.js';
import type { TaskProgress } from './task-payload.js';
import { listWorkers } from './worker-registry.js';

export interface CoordinatorOptions {
  target: RedisTarget;
  /** Turns a run's resolved spec (from the job's SRC or DST `location`) into one safe to queue. */
  seal: (spec: StoreSpec, location: string) => SealedSpec;
  /** Tasks kept waiting in the queue. @defaultValue twice the task slots of the live workers, at least 4 */
  maxWaiting?: number | undefined;
  /** Attempts per task (a worker error; a killed worker's task is handed on without using one). @defaultValue 3 */
  attempts?: number | undefined;
  log: (line: string) => void;
}

/** How long the count of live workers is trusted. */
const WORKERS_TTL_MS = 5_000;
const NO_WORKERS_NOTE_MS = 30_000;

/**
 * The coordinator side of distributed mode (`ferry serve --queue`): lists
 * as in one process, but hands tasks to BullMQ for `ferry worker`s and
 * records what they return. One executor serves every job `ferry serve`
 * runs; each run gets its own RunCoordination.
 */
export class CoordinatorExecutor implements TaskExecutor {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly link: RedisLink;
  /** Ours to close after the queue and its events (BullMQ leaves a given client open). */
  private readonly connections: Redis[];
  private readonly runs = new Map<string, RunCoordination>();
  private slots = { n: 0, at: 0 };
  private noWorkersNoted = 0;

  constructor(private readonly o: CoordinatorOptions) {
    this.connections = [bullConnection(o.target), bullConnection(o.target)];
    this.queue = new Queue(QUEUE_NAME, { connection: this.connections[0]! });
    this.events = new QueueEvents(QUEUE_NAME, { connection: this.connections[1]! });
    this.link = new RedisLink(o.target);
    this.queue.on('error', (err) => o.log(`queue: ${describeError(err)}`));
    this.events.on('error', (err) => o.log(`queue events: ${describeError(err)}`));
    this.events.on('completed', ({ jobId }) => this.route(jobId, (r, seq) => r.onSettled(seq)));
    this.events.on('failed', ({ jobId }) => this.route(jobId, (r, seq) => r.onSettled(seq)));
    this.events.on('progress', ({ jobId, data }) => this.route(jobId, (r, seq) => r.onProgress(seq, data as unknown as TaskProgress)));
    this.events.on('stalled', ({ jobId }) => this.route(jobId, (r, seq) => r.onStalled(seq)));
  }

  /** Checks that Redis answers (one-line error otherwise) and that the queue is ready. */
  async start(): Promise<void> {
    (await connectOrExplain(this.o.target)).close();
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
    const workers = (await listWorkers(this.link)).filter((w) => w.alive);
    this.o.log(`coordinator: queue ${QUEUE_NAME} on ${describeTarget(this.o.target)}, ${workers.length} live worker(s)`);
  }

  async execute(input: TaskExecutorInput): Promise<void> {
    const key = `${input.job}__${input.run}`;
    const run = new RunCoordination(
      { queue: this.queue, link: this.link, seal: this.o.seal, attempts: this.o.attempts ?? 3, maxWaiting: () => this.maxWaiting(input.log) },
      input,
    );
    this.runs.set(key, run);
    try {
      await run.run();
    } finally {
      this.runs.delete(key);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    for (const c of this.connections) c.disconnect();
    this.link.close();
  }

  private route(jobId: string, fn: (run: RunCoordination, seq: number) => void): void {
    const t = parseTaskJobId(jobId);
    const run = t && this.runs.get(`${t.job}__${t.run}`);
    if (t && run) fn(run, t.seq);
  }

  private async maxWaiting(log: (line: string) => void): Promise<number> {
    if (this.o.maxWaiting !== undefined) return this.o.maxWaiting;
    const now = Date.now();
    if (now - this.slots.at > WORKERS_TTL_MS) {
      const alive = (await listWorkers(this.link)).filter((w) => w.alive && w.state === 'running');
      this.slots = { n: alive.reduce((a, w) => a + w.taskSlots, 0), at: now };
      if (alive.length === 0 && now - this.noWorkersNoted > NO_WORKERS_NOTE_MS) {
        this.noWorkersNoted = now;
        log(`no live workers on ${describeTarget(this.o.target)}: tasks wait in the queue until one starts (ferry worker --queue ...)`);
      }
    }
    return Math.max(4, 2 * this.slots.n);
  }
}
