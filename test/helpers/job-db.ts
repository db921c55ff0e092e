// Read-only access to a Ferry home's job database ($FERRY_HOME/ferry.db),
// so a test can watch a job running in a child process (to know when to
// kill it) and check what it recorded. Never writes.
import Database from 'better-sqlite3';
import type { TaskState } from '../../src/jobs/job-state.js';

export interface JobDbRow {
  name: string;
  state: string;
  desired: string | null;
  current_run: number | null;
  owner: string | null;
  heartbeat_at: number | null;
}

export interface RunDbRow {
  number: number;
  kind: string;
  since_ms: number | null;
  state: string;
  listing_done: number;
  list_requests: number;
  started_at: number;
  ended_at: number | null;
}

export class JobDb {
  private db: Database.Database | undefined;

  constructor(private readonly path: string) {}

  private open(): Database.Database {
    this.db ??= new Database(this.path, { readonly: true, fileMustExist: true });
    return this.db;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.open().prepare(sql).all(...params) as T[];
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.open().prepare(sql).get(...params) as T | undefined;
  }

  job(name: string): JobDbRow | undefined {
    return this.get<JobDbRow>(`SELECT name, state, desired, current_run, owner, heartbeat_at FROM jobs WHERE name = ?`, name);
  }

  run(name: string, number?: number): RunDbRow | undefined {
    const n = number ?? this.job(name)?.current_run;
    if (n === undefined || n === null) return undefined;
    return this.get<RunDbRow>(`SELECT number, kind, since_ms, state, listing_done, list_requests, started_at, ended_at FROM runs WHERE job = ? AND number = ?`, name, n);
  }

  /** Task counts by state in the job's current run. */
  tasks(name: string): Record<TaskState, number> {
    const run = this.job(name)?.current_run;
    const out: Record<TaskState, number> = { open: 0, pending: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of this.all<{ state: TaskState; n: number }>(`SELECT state, COUNT(*) AS n FROM tasks WHERE job = ? AND run = ? GROUP BY state`, name, run)) out[r.state] = r.n;
    return out;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
