import { rm } from 'node:fs/promises';
import { jobDir } from '../jobs/job-paths.js';
import type { JobRow } from '../jobs/job-repository.js';
import { isJobAlive } from '../jobs/job-owner.js';
import { ACTIVE_STATES, ENDED_STATES } from '../jobs/job-state.js';
import { RunStore } from '../jobs/run-store.js';
import type { AppDeps } from './deps.js';
import { conflict, notFound } from './errors.js';

/**
 * What the job buttons do. The API never runs a job itself: like `ferry job
 * start --background` it queues the job for the scheduler of `ferry serve`
 * (in this process), and like `ferry job pause|stop` it leaves a request the
 * running process reads within a second. So a job behaves the same whether
 * it was started from the console, the API or the CLI.
 */

export function getJob(deps: AppDeps, name: string): JobRow {
  const row = deps.jobs.find(name);
  if (!row) throw notFound('job', name);
  return row;
}

function refuseIfRunning(row: JobRow, doing: string): void {
  if (isJobAlive(row)) throw conflict(`job "${row.name}" is running (${row.owner ?? 'another process'}): ${doing}`, 'name');
}

/**
 * `start` continues an unfinished run or starts the next; `resume` only
 * continues a paused or interrupted one; `retry` runs again only the objects
 * that failed in the last (ended) run.
 */
export function queueJob(deps: AppDeps, name: string, mode: 'start' | 'resume' | 'retry'): void {
  const row = getJob(deps, name);
  refuseIfRunning(row, 'pause or stop it first');
  if (row.state === 'queued') throw conflict(`job "${name}" is already queued`, 'name');
  if (mode === 'resume' && row.state !== 'paused' && !ACTIVE_STATES.has(row.state)) {
    throw conflict(`job "${name}" is ${row.state}: there is no paused run to resume (start begins a new run)`, 'name');
  }
  if (mode === 'retry') {
    if (row.currentRun === null) throw conflict(`job "${name}" has not run yet: nothing to retry`, 'name');
    const run = deps.jobs.getRun(name, row.currentRun);
    if (!ENDED_STATES.has(run.state)) throw conflict(`job "${name}" run ${run.number} is ${run.state}: resume or stop it before retrying`, 'name');
    const failed = new RunStore(deps.db, name, run.number).counts().failed;
    if (failed === 0) throw conflict(`job "${name}" run ${run.number} has no failed objects to retry`, 'name');
  }
  deps.jobs.setState(name, 'queued', { desired: mode === 'retry' ? 'retry' : null });
}

/**
 * Pause or stop. A running job is asked through the database (its process
 * finishes the objects in flight, then ends); a job nobody runs is marked at
 * once, as `ferry job pause|stop` does. Stop also ends a job's schedule.
 */
export function endJob(deps: AppDeps, name: string, what: 'pause' | 'stop'): { requested: boolean } {
  const row = getJob(deps, name);
  if (isJobAlive(row)) {
    deps.jobs.setDesired(name, what);
    return { requested: true };
  }
  const unfinished = row.state === 'queued' || ACTIVE_STATES.has(row.state);
  const allowed = what === 'pause' ? unfinished : unfinished || row.state === 'paused' || row.nextRunAt !== null;
  if (!allowed) throw conflict(`job "${name}" is ${row.state}: nothing to ${what}`, 'name');
  const target = what === 'pause' ? 'paused' : 'stopped';
  if (row.currentRun !== null) {
    const run = deps.jobs.getRun(name, row.currentRun);
    if (!ENDED_STATES.has(run.state)) deps.jobs.setRunState(name, run.number, target, { ended: what === 'stop' });
  }
  deps.jobs.setState(name, target, { desired: null, nextRunAt: null });
  return { requested: false };
}

/** Deletes the job's rows and report files; never any data in any store. */
export async function deleteJob(deps: AppDeps, name: string): Promise<void> {
  const row = getJob(deps, name);
  refuseIfRunning(row, 'pause or stop it first');
  deps.jobs.delete(name);
  await rm(jobDir(deps.home, name), { recursive: true, force: true });
}
