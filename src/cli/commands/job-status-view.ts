import { describeError, FerryError } from '../../core/index.js';
import { isJobAlive } from '../../jobs/job-owner.js';
import { runEtaSeconds } from '../../jobs/run-eta.js';
import { describeTarget, type RedisTarget } from '../../runners/bullmq/queue-url.js';
import { parseTaskJobId } from '../../runners/bullmq/redis-keys.js';
import type { RedisLink } from '../../runners/bullmq/redis-link.js';
import { ALIVE_SECONDS, listWorkers, type WorkerInfo } from '../../runners/bullmq/worker-registry.js';
import type { JobRepository, JobRow, RunRow } from '../../jobs/job-repository.js';
import { RunStore, type RunCounts } from '../../jobs/run-store.js';
import type Database from 'better-sqlite3';
import { formatBytes } from '../../util/index.js';
import { formatEta } from '../progress-bar.js';

export interface JobStatus {
  name: string;
  state: string;
  src: string;
  dst: string;
  running: boolean;
  owner: string | null;
  nextRunAt: string | null;
  run: (RunRow & { counts: RunCounts; etaSeconds: number | null }) | null;
  history: { number: number; kind: string; state: string; startedAt: string; endedAt: string | null; migrated: number; skipped: number; failed: number }[];
  /** Distributed mode (`--queue`): every worker seen in the last hour, alive or not. */
  workers?: WorkerInfo[];
}

/** The queue's workers, for `ferry job status --queue`; a Redis that does not answer is a one-line error. */
export async function workersOf(link: RedisLink, target: RedisTarget): Promise<WorkerInfo[]> {
  try {
    return await listWorkers(link);
  } catch (err) {
    throw new FerryError('CONFIG', `--queue ${describeTarget(target)}: ${describeError(err)}`, { fatal: true, field: '--queue', cause: err });
  }
}

/** What `ferry job status` shows: ossimport's `stat` and more, read from the database (works from any terminal). */
export function jobStatus(db: Database.Database, jobs: JobRepository, job: JobRow): JobStatus {
  const runs = jobs.runs(job.name);
  const current = job.currentRun === null ? undefined : runs.find((r) => r.number === job.currentRun);
  let run: JobStatus['run'] = null;
  if (current) {
    const counts = new RunStore(db, job.name, current.number).counts();
    run = { ...current, counts, etaSeconds: runEtaSeconds(current, counts) };
  }
  return {
    name: job.name,
    state: job.state,
    src: job.spec.src,
    dst: job.spec.dst,
    running: isJobAlive(job),
    owner: job.owner,
    nextRunAt: job.nextRunAt === null ? null : new Date(job.nextRunAt).toISOString(),
    run,
    history: runs.map((r) => {
      const c = new RunStore(db, job.name, r.number).counts();
      return {
        number: r.number, kind: r.kind, state: r.state, startedAt: new Date(r.startedAt).toISOString(),
        endedAt: r.endedAt === null ? null : new Date(r.endedAt).toISOString(), migrated: c.migrated, skipped: c.skipped, failed: c.failed,
      };
    }),
  };
}

export function renderStatus(s: JobStatus): string {
  const lines = [`job ${s.name}: ${s.state}${s.running ? ` (running in ${s.owner})` : ''}`, `  ${s.src} -> ${s.dst}`];
  if (s.run) {
    const r = s.run;
    const c = r.counts;
    const t = c.tasks;
    lines.push(
      `  run ${r.number} (${r.kind}${r.sinceMs ? `, since ${new Date(r.sinceMs).toISOString()}` : ''}): ${r.state}, listing ${r.listingDone ? 'finished' : 'in progress'} (${c.listed} objects, ${formatBytes(c.listedBytes)}; ${r.listRequests} list requests)`,
      `  tasks: ${t.pending + t.open} pending, ${t.running} running, ${t.succeeded} succeeded, ${t.failed} failed`,
      `  objects: ${c.migrated} migrated of ${c.toCopy} to copy, ${c.skipped} skipped, ${c.failed} failed`,
      `  bytes: ${formatBytes(c.migratedBytes)} of ${formatBytes(c.toCopyBytes)}${r.retries ? `, ${r.retries} retries` : ''}`,
      `  rate: ${formatBytes(r.rateBps)}/s, ${r.rateOps.toFixed(0)} obj/s, ETA ${formatEta(r.etaSeconds ?? undefined)}`,
    );
    if (r.error) lines.push(`  error: ${r.error}`);
  }
  if (s.workers) lines.push(...renderWorkers(s.name, s.workers));
  if (s.nextRunAt) lines.push(`  next run: ${s.nextRunAt}`);
  if (s.history.length > 1) {
    lines.push('  history:');
    for (const h of s.history) lines.push(`    run ${h.number} ${h.kind} ${h.state} ${h.startedAt}: ${h.migrated} migrated, ${h.skipped} skipped, ${h.failed} failed`);
  }
  return `${lines.join('\n')}\n`;
}

function renderWorkers(job: string, workers: WorkerInfo[]): string[] {
  const alive = workers.filter((w) => w.alive).length;
  const lines = [`  workers: ${alive} alive${workers.length > alive ? `, ${workers.length - alive} gone` : ''}`];
  for (const w of workers) {
    const mine = w.tasks.filter((t) => parseTaskJobId(t)?.job === job);
    const doing = !w.alive
      ? `gone (not heard from in ${ALIVE_SECONDS} s)`
      : w.tasks.length === 0
        ? `${w.state === 'running' ? 'idle' : w.state}`
        : `copying ${w.tasks.join(', ')}${mine.length === 0 ? ' (other jobs)' : ''}`;
    const rate = w.alive ? `, ${formatBytes(w.bytesPerSec)}/s, ${w.objectsPerSec.toFixed(0)} obj/s` : '';
    lines.push(`    ${w.id}: ${doing}${rate}; done ${w.tasksDone} task(s), ${w.objectsDone} objects, ${formatBytes(w.bytesDone)}`);
  }
  return lines;
}
