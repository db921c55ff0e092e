import { jobStatus, type JobStatus } from '../cli/commands/job-status-view.js';
import type { JobRow, RunRow } from '../jobs/job-repository.js';
import { isJobAlive } from '../jobs/job-owner.js';
import { runEtaSeconds } from '../jobs/run-eta.js';
import { RunStore, type RunCounts } from '../jobs/run-store.js';
import type { AppDeps } from './deps.js';

/** A run with its counts and ETA (seconds left, null while unknown or not running). */
export type RunView = RunRow & { counts: RunCounts; etaSeconds: number | null };

/** What a jobs list row and a progress event show. */
export interface JobSummary {
  name: string;
  state: string;
  running: boolean;
  src: string;
  dst: string;
  /** `every` ms and `times`, or `cron`. */
  schedule: JobRow['spec']['schedule'] | null;
  nextRunAt: string | null;
  /** A request waiting for the process running the job: pause, stop, retry. */
  desired: string | null;
  run: RunView | null;
}

/** `ferry job status` and more: the spec and timestamps. */
export type JobView = JobStatus & { spec: JobRow['spec']; desired: string | null; createdAt: string; updatedAt: string };

export function runView(deps: AppDeps, run: RunRow): RunView {
  const counts = new RunStore(deps.db, run.job, run.number).counts();
  return { ...run, counts, etaSeconds: runEtaSeconds(run, counts) };
}

export function jobSummary(deps: AppDeps, job: JobRow): JobSummary {
  const run = job.currentRun === null ? undefined : deps.jobs.getRun(job.name, job.currentRun);
  return {
    name: job.name,
    state: job.state,
    running: isJobAlive(job),
    src: job.spec.src,
    dst: job.spec.dst,
    schedule: job.spec.schedule ?? null,
    nextRunAt: job.nextRunAt === null ? null : new Date(job.nextRunAt).toISOString(),
    desired: job.desired,
    run: run ? runView(deps, run) : null,
  };
}

export function jobView(deps: AppDeps, job: JobRow): JobView {
  const status = jobStatus(deps.db, deps.jobs, job);
  return {
    ...status,
    spec: job.spec,
    desired: job.desired,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
  };
}
