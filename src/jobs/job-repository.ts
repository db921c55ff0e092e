import type Database from 'better-sqlite3';
import { FerryError, flagOfPath, usageError, validate } from '../core/index.js';
import { jobSpecSchema, type JobSpec, type JobSpecInput } from './job-spec.js';
import type { DesiredState, JobState, RunKind } from './job-state.js';

export interface JobRow {
  name: string;
  spec: JobSpec;
  state: JobState;
  desired: DesiredState | null;
  currentRun: number | null;
  nextRunAt: number | null;
  owner: string | null;
  heartbeatAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface RunRow {
  job: string;
  number: number;
  kind: RunKind;
  sinceMs: number | null;
  state: JobState;
  listingDone: boolean;
  listRequests: number;
  retries: number;
  bytesMoved: number;
  rateBps: number;
  rateOps: number;
  error: string | null;
  startedAt: number;
  endedAt: number | null;
}

interface RawJob {
  name: string;
  spec_json: string;
  state: JobState;
  desired: DesiredState | null;
  current_run: number | null;
  next_run_at: number | null;
  owner: string | null;
  heartbeat_at: number | null;
  created_at: number;
  updated_at: number;
}

interface RawRun {
  job: string;
  number: number;
  kind: RunKind;
  since_ms: number | null;
  state: JobState;
  listing_done: number;
  list_requests: number;
  retries: number;
  bytes_moved: number;
  rate_bps: number;
  rate_ops: number;
  error: string | null;
  started_at: number;
  ended_at: number | null;
}

const toJob = (r: RawJob): JobRow => ({
  name: r.name,
  spec: jobSpecSchema.parse(JSON.parse(r.spec_json)),
  state: r.state,
  desired: r.desired,
  currentRun: r.current_run,
  nextRunAt: r.next_run_at,
  owner: r.owner,
  heartbeatAt: r.heartbeat_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRun = (r: RawRun): RunRow => ({
  job: r.job,
  number: r.number,
  kind: r.kind,
  sinceMs: r.since_ms,
  state: r.state,
  listingDone: r.listing_done === 1,
  listRequests: r.list_requests,
  retries: r.retries,
  bytesMoved: r.bytes_moved,
  rateBps: r.rate_bps,
  rateOps: r.rate_ops,
  error: r.error,
  startedAt: r.started_at,
  endedAt: r.ended_at,
});

/** Jobs and their runs in the home database. Every write is one statement or one transaction. */
export class JobRepository {
  constructor(private readonly db: Database.Database) {}

  create(input: JobSpecInput): JobRow {
    const spec = validate(jobSpecSchema, input, flagOfPath);
    const now = Date.now();
    try {
      this.db
        .prepare(`INSERT INTO jobs (name, spec_json, state, created_at, updated_at) VALUES (?, ?, 'created', ?, ?)`)
        .run(spec.name, JSON.stringify(spec), now, now);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw usageError('NAME', `job "${spec.name}" already exists`);
      throw err;
    }
    return this.get(spec.name);
  }

  find(name: string): JobRow | undefined {
    const raw = this.db.prepare(`SELECT * FROM jobs WHERE name = ?`).get(name) as RawJob | undefined;
    return raw ? toJob(raw) : undefined;
  }

  get(name: string): JobRow {
    const job = this.find(name);
    if (!job) throw new FerryError('CONFIG', `no job named "${name}" (see ferry job list)`, { fatal: true, field: 'NAME' });
    return job;
  }

  list(): JobRow[] {
    return (this.db.prepare(`SELECT * FROM jobs ORDER BY name`).all() as RawJob[]).map(toJob);
  }

  updateSpec(name: string, spec: JobSpec): void {
    this.db.prepare(`UPDATE jobs SET spec_json = ?, updated_at = ? WHERE name = ?`).run(JSON.stringify(validate(jobSpecSchema, spec, flagOfPath)), Date.now(), name);
  }

  setState(name: string, state: JobState, extra: { desired?: DesiredState | null; nextRunAt?: number | null } = {}): void {
    const sets = ['state = @state', 'updated_at = @now'];
    if (extra.desired !== undefined) sets.push('desired = @desired');
    if (extra.nextRunAt !== undefined) sets.push('next_run_at = @nextRunAt');
    this.db
      .prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE name = @name`)
      .run({ name, state, now: Date.now(), desired: extra.desired ?? null, nextRunAt: extra.nextRunAt ?? null });
  }

  setDesired(name: string, desired: DesiredState | null): void {
    this.db.prepare(`UPDATE jobs SET desired = ?, updated_at = ? WHERE name = ?`).run(desired, Date.now(), name);
  }

  /**
   * Claims the job for this process unless a live process holds it (a fresh
   * heartbeat). Atomic, so two `ferry job start` never run one job twice.
   */
  claim(name: string, owner: string, staleBefore: number): boolean {
    const r = this.db
      .prepare(`UPDATE jobs SET owner = ?, heartbeat_at = ?, updated_at = ? WHERE name = ? AND (owner IS NULL OR owner = ? OR heartbeat_at IS NULL OR heartbeat_at < ?)`)
      .run(owner, Date.now(), Date.now(), name, owner, staleBefore);
    return r.changes === 1;
  }

  heartbeat(name: string, owner: string): void {
    this.db.prepare(`UPDATE jobs SET heartbeat_at = ? WHERE name = ? AND owner = ?`).run(Date.now(), name, owner);
  }

  release(name: string, owner: string): void {
    this.db.prepare(`UPDATE jobs SET owner = NULL, heartbeat_at = NULL WHERE name = ? AND owner = ?`).run(name, owner);
  }

  /** Deletes the job's rows (runs, tasks, results cascade). Never touches data in any store. */
  delete(name: string): void {
    this.db.prepare(`DELETE FROM jobs WHERE name = ?`).run(name);
  }

  startRun(name: string, kind: RunKind, sinceMs: number | undefined): RunRow {
    return this.db.transaction(() => {
      const last = this.db.prepare(`SELECT MAX(number) AS n FROM runs WHERE job = ?`).get(name) as { n: number | null };
      const number = (last.n ?? 0) + 1;
      this.db
        .prepare(`INSERT INTO runs (job, number, kind, since_ms, state, started_at) VALUES (?, ?, ?, ?, 'listing', ?)`)
        .run(name, number, kind, sinceMs ?? null, Date.now());
      this.db.prepare(`UPDATE jobs SET current_run = ?, state = 'listing', desired = NULL, updated_at = ? WHERE name = ?`).run(number, Date.now(), name);
      return this.getRun(name, number);
    })();
  }

  getRun(name: string, number: number): RunRow {
    const raw = this.db.prepare(`SELECT * FROM runs WHERE job = ? AND number = ?`).get(name, number) as RawRun | undefined;
    if (!raw) throw new FerryError('CONFIG', `job "${name}" has no run ${number}`, { fatal: true, field: '--run' });
    return toRun(raw);
  }

  runs(name: string): RunRow[] {
    return (this.db.prepare(`SELECT * FROM runs WHERE job = ? ORDER BY number`).all(name) as RawRun[]).map(toRun);
  }

  setRunState(name: string, number: number, state: JobState, fields: { error?: string | null; ended?: boolean } = {}): void {
    this.db
      .prepare(`UPDATE runs SET state = ?, error = COALESCE(?, error), ended_at = CASE WHEN ? THEN ? ELSE ended_at END WHERE job = ? AND number = ?`)
      .run(state, fields.error ?? null, fields.ended ? 1 : 0, Date.now(), name, number);
  }

  /** Live figures of a running run, for `status` in another terminal. */
  setRunProgress(name: string, number: number, p: { bytesMoved: number; rateBps: number; rateOps: number; listRequests: number; retries: number }): void {
    this.db
      .prepare(`UPDATE runs SET bytes_moved = ?, rate_bps = ?, rate_ops = ?, list_requests = ?, retries = ? WHERE job = ? AND number = ?`)
      .run(p.bytesMoved, p.rateBps, p.rateOps, p.listRequests, p.retries, name, number);
  }

  setListingDone(name: string, number: number): void {
    this.db.prepare(`UPDATE runs SET listing_done = 1 WHERE job = ? AND number = ?`).run(name, number);
  }

  addRunCounters(name: string, number: number, add: { listRequests?: number; retries?: number }): void {
    this.db
      .prepare(`UPDATE runs SET list_requests = list_requests + ?, retries = retries + ? WHERE job = ? AND number = ?`)
      .run(add.listRequests ?? 0, add.retries ?? 0, name, number);
  }
}
