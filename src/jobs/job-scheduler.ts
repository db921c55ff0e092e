import { describeError } from '../core/index.js';
import type Database from 'better-sqlite3';
import type { ObjectStore, StoreSpec } from '../stores/index.js';
import { ACTIVE_STATES, ENDED_STATES, HEARTBEAT_STALE_MS } from './job-state.js';
import type { JobRepository, JobRow } from './job-repository.js';
import { ownerIsDeadHere } from './job-owner.js';
import { runJob } from './job-runner.js';
import { reportOnRunEnd } from './run-end.js';
import type { TaskExecutor } from './task-executor.js';

export interface SchedulerOptions {
  db: Database.Database;
  home: string;
  jobs: JobRepository;
  resolve: (location: string, field: 'SRC' | 'DST') => StoreSpec;
  openStore: (spec: StoreSpec, role: 'source' | 'destination') => Promise<ObjectStore>;
  /** Jobs run at once by this process. @defaultValue 4 */
  maxJobs?: number;
  /** How often due jobs are looked for. @defaultValue 1000 */
  tickMs?: number;
  log: (line: string) => void;
  /** Who copies the tasks of the jobs it runs. @defaultValue this process */
  executor?: TaskExecutor;
}

/**
 * The part of `ferry serve` that runs jobs in the background: jobs started
 * with `--background`, scheduled runs when they fall due (`--every`,
 * `--cron`), and runs whose process died (stale heartbeat), which resume.
 */
export class JobScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly maxJobs: number;

  constructor(private readonly o: SchedulerOptions) {
    this.maxJobs = o.maxJobs ?? 4;
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? 1000);
  }

  /** Pauses every job this process runs (they resume on the next start) and waits for them. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const r of this.running.values()) r.abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  runningJobs(): string[] {
    return [...this.running.keys()];
  }

  /** Whether a job is due now. */
  static isDue(job: JobRow, now: number): boolean {
    if (job.state === 'queued') return true;
    // A run whose process stopped sending heartbeats (killed, crashed) resumes here; at once when
    // that process was on this machine and is gone (a `ferry serve` restarted after kill -9).
    if (ACTIVE_STATES.has(job.state) && (job.heartbeatAt === null || job.heartbeatAt < now - HEARTBEAT_STALE_MS || (job.owner !== null && ownerIsDeadHere(job.owner)))) return true;
    const scheduled = job.spec.schedule !== undefined && job.nextRunAt !== null && job.nextRunAt <= now;
    return scheduled && (ENDED_STATES.has(job.state) || job.state === 'created');
  }

  private tick(): void {
    const now = Date.now();
    for (const job of this.o.jobs.list()) {
      if (this.running.size >= this.maxJobs) return;
      if (this.running.has(job.name) || !JobScheduler.isDue(job, now)) continue;
      // A retry asked for from the API is queued with desired = 'retry'.
      this.launch(job.name, job.state === 'queued' && job.desired === 'retry' ? 'retry' : 'start');
    }
  }

  private launch(name: string, mode: 'start' | 'retry'): void {
    const abort = new AbortController();
    const { db, home, jobs, resolve, openStore, log, executor } = this.o;
    const done = runJob({
      db, home, name, mode, resolve, openStore, executor,
      signal: abort.signal,
      onRunEnd: reportOnRunEnd({ db, home, jobs, resolve, openStore }),
      log: (line) => log(`[${name}] ${line}`),
    })
      .then((r) => log(`[${name}] run ${r.run.number} ${r.state}`))
      .catch((err: unknown) => log(`[${name}] ${describeError(err)}`))
      .finally(() => this.running.delete(name));
    this.running.set(name, { abort, done });
    log(`[${name}] starting${mode === 'retry' ? ' a retry run' : ''}`);
  }
}
