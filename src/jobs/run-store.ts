import type Database from 'better-sqlite3';
import type { ObjectInfo } from '../core/index.js';
import type { ResultStatus, TaskState } from './job-state.js';

export interface ListPart {
  idx: number;
  prefix: string;
  depth: number;
  /** Listed one level at a time (sub-prefixes become parts of their own). */
  level: boolean;
  cursor: string | null;
  done: boolean;
}

export interface TaskRow {
  seq: number;
  state: TaskState;
  part: number | null;
  objects: number;
  bytes: number;
  attempts: number;
}

export interface TaskItem extends ObjectInfo {
  reason: string;
}

/** One object's outcome in a run: a row of the report. */
export interface ResultRow {
  key: string;
  status: ResultStatus;
  size: number;
  srcEtag?: string | undefined;
  srcCrc64?: string | undefined;
  dstEtag?: string | undefined;
  dstCrc64?: string | undefined;
  srcMtimeMs?: number | undefined;
  startedAt?: number | undefined;
  endedAt?: number | undefined;
  reason?: string | undefined;
  error?: string | undefined;
  attempts?: number | undefined;
}

export interface RunCounts {
  listed: number;
  listedBytes: number;
  migrated: number;
  migratedBytes: number;
  skipped: number;
  failed: number;
  toCopy: number;
  toCopyBytes: number;
  tasks: Record<TaskState, number>;
}

/**
 * The durable state of one run: its list parts with their cursors, its tasks
 * and their items, and one result per object. Methods that belong together
 * run in one transaction, so a kill -9 between any two leaves a consistent
 * state to resume from.
 */
export class RunStore {
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    readonly job: string,
    readonly run: number,
  ) {
    this.stmts = {
      insertItem: db.prepare(
        `INSERT OR REPLACE INTO task_items (job, run, seq, key, size, etag, mtime_ms, stored_ms, storage_class, reason) VALUES (@job, @run, @seq, @key, @size, @etag, @mtime, @stored, @sc, @reason)`,
      ),
      upsertResult: db.prepare(
        `INSERT OR REPLACE INTO run_results (job, run, key, status, size, src_etag, src_crc64, dst_etag, dst_crc64, src_mtime_ms, started_at, ended_at, reason, error, attempts)
         VALUES (@job, @run, @key, @status, @size, @srcEtag, @srcCrc64, @dstEtag, @dstCrc64, @srcMtimeMs, @startedAt, @endedAt, @reason, @error, @attempts)`,
      ),
      growTask: db.prepare(`UPDATE tasks SET objects = objects + 1, bytes = bytes + ? WHERE job = ? AND run = ? AND seq = ?`),
      setCursor: db.prepare(`UPDATE list_parts SET cursor = ? WHERE job = ? AND run = ? AND idx = ?`),
    };
  }

  // ---- list parts ----------------------------------------------------------

  listParts(): ListPart[] {
    return (
      this.db.prepare(`SELECT idx, prefix, depth, level, cursor, done FROM list_parts WHERE job = ? AND run = ? ORDER BY idx`).all(this.job, this.run) as {
        idx: number; prefix: string; depth: number; level: number; cursor: string | null; done: number;
      }[]
    ).map((r) => ({ idx: r.idx, prefix: r.prefix, depth: r.depth, level: r.level === 1, cursor: r.cursor, done: r.done === 1 }));
  }

  addListPart(prefix: string, depth: number, level: boolean): number {
    const max = this.db.prepare(`SELECT MAX(idx) AS n FROM list_parts WHERE job = ? AND run = ?`).get(this.job, this.run) as { n: number | null };
    const idx = (max.n ?? -1) + 1;
    this.db.prepare(`INSERT INTO list_parts (job, run, idx, prefix, depth, level) VALUES (?, ?, ?, ?, ?, ?)`).run(this.job, this.run, idx, prefix, depth, level ? 1 : 0);
    return idx;
  }

  finishListPart(idx: number): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE list_parts SET done = 1 WHERE job = ? AND run = ? AND idx = ?`).run(this.job, this.run, idx);
      // The part's open task will receive nothing more.
      this.db.prepare(`UPDATE tasks SET state = 'pending' WHERE job = ? AND run = ? AND part = ? AND state = 'open'`).run(this.job, this.run, idx);
    })();
  }

  /**
   * Records what a list part produced since its last checkpoint, and moves its
   * cursor past it, in one transaction: items to copy go into the part's open
   * task (a new task is opened when it is full), skipped objects become
   * results, new sub-prefixes become parts.
   */
  checkpoint(part: number, cursor: string | null, batch: { items: TaskItem[]; skipped: ResultRow[]; subPrefixes: { prefix: string; depth: number; level: boolean }[] }, limits: { maxObjects: number; maxBytes: number }): void {
    this.db.transaction(() => {
      let task = this.openTask(part);
      for (const item of batch.items) {
        if (task.objects >= limits.maxObjects || (task.objects > 0 && task.bytes + item.size > limits.maxBytes)) {
          this.db.prepare(`UPDATE tasks SET state = 'pending' WHERE job = ? AND run = ? AND seq = ?`).run(this.job, this.run, task.seq);
          task = this.openTask(part);
        }
        this.stmts.insertItem.run({
          job: this.job, run: this.run, seq: task.seq, key: item.key, size: item.size, etag: item.etag ?? null,
          mtime: item.mtimeMs, stored: item.storedMs ?? null, sc: item.storageClass ?? null, reason: item.reason,
        });
        this.stmts.growTask.run(item.size, this.job, this.run, task.seq);
        task.objects++;
        task.bytes += item.size;
      }
      for (const r of batch.skipped) this.upsertResult(r);
      for (const p of batch.subPrefixes) this.addListPart(p.prefix, p.depth, p.level);
      if (cursor !== null) this.stmts.setCursor.run(cursor, this.job, this.run, part);
    })();
  }

  private openTask(part: number): { seq: number; objects: number; bytes: number } {
    const open = this.db
      .prepare(`SELECT seq, objects, bytes FROM tasks WHERE job = ? AND run = ? AND part = ? AND state = 'open'`)
      .get(this.job, this.run, part) as { seq: number; objects: number; bytes: number } | undefined;
    if (open) return open;
    const max = this.db.prepare(`SELECT MAX(seq) AS n FROM tasks WHERE job = ? AND run = ?`).get(this.job, this.run) as { n: number | null };
    const seq = (max.n ?? 0) + 1;
    this.db.prepare(`INSERT INTO tasks (job, run, seq, state, part) VALUES (?, ?, ?, 'open', ?)`).run(this.job, this.run, seq, part);
    return { seq, objects: 0, bytes: 0 };
  }

  // ---- tasks -----------------------------------------------------------------

  /** Takes the next pending task, marking it running (atomic, so processes never share one). */
  claimTask(worker: string): TaskRow | undefined {
    return this.db.transaction(() => {
      const row = this.db
        .prepare(`SELECT seq, state, part, objects, bytes, attempts FROM tasks WHERE job = ? AND run = ? AND state = 'pending' ORDER BY seq LIMIT 1`)
        .get(this.job, this.run) as TaskRow | undefined;
      if (!row) return undefined;
      this.db
        .prepare(`UPDATE tasks SET state = 'running', worker = ?, attempts = attempts + 1, started_at = ? WHERE job = ? AND run = ? AND seq = ?`)
        .run(worker, Date.now(), this.job, this.run, row.seq);
      return { ...row, state: 'running' as const, attempts: row.attempts + 1 };
    })();
  }

  /** After a crash, tasks a dead process held go back to pending; their finished objects keep their results. */
  requeueRunning(): number {
    return this.db.prepare(`UPDATE tasks SET state = 'pending', worker = NULL WHERE job = ? AND run = ? AND state = 'running'`).run(this.job, this.run).changes;
  }

  /** The task's items that have no result yet in this run (all of them on a first attempt). */
  unfinishedItems(seq: number): TaskItem[] {
    const rows = this.db
      .prepare(
        `SELECT i.key, i.size, i.etag, i.mtime_ms, i.stored_ms, i.storage_class, i.reason FROM task_items i
         WHERE i.job = ? AND i.run = ? AND i.seq = ?
           AND NOT EXISTS (SELECT 1 FROM run_results r WHERE r.job = i.job AND r.run = i.run AND r.key = i.key AND r.status = 'migrated')
         ORDER BY i.key`,
      )
      .all(this.job, this.run, seq) as { key: string; size: number; etag: string | null; mtime_ms: number; stored_ms: number | null; storage_class: string | null; reason: string }[];
    return rows.map((r) => ({
      key: r.key, size: r.size, etag: r.etag ?? undefined, mtimeMs: r.mtime_ms, storedMs: r.stored_ms ?? undefined,
      storageClass: r.storage_class ?? undefined, reason: r.reason,
    }));
  }

  /** Ends a task as failed if any of its objects failed; `worker` records who finished it (a queue worker's id). */
  finishTask(seq: number, worker?: string): void {
    const failed = this.db
      .prepare(`SELECT COUNT(*) AS n FROM task_items i JOIN run_results r ON r.job = i.job AND r.run = i.run AND r.key = i.key WHERE i.job = ? AND i.run = ? AND i.seq = ? AND r.status = 'failed'`)
      .get(this.job, this.run, seq) as { n: number };
    this.db
      .prepare(`UPDATE tasks SET state = ?, ended_at = ?, worker = COALESCE(?, worker) WHERE job = ? AND run = ? AND seq = ?`)
      .run(failed.n > 0 ? 'failed' : 'succeeded', Date.now(), worker ?? null, this.job, this.run, seq);
  }

  /** Puts a task a pause interrupted back in the queue. */
  releaseTask(seq: number): void {
    this.db.prepare(`UPDATE tasks SET state = 'pending', worker = NULL WHERE job = ? AND run = ? AND seq = ? AND state = 'running'`).run(this.job, this.run, seq);
  }

  /** Tasks still to be claimed (open ones are still being filled by listing). */
  hasPendingOrOpen(): boolean {
    const r = this.db.prepare(`SELECT COUNT(*) AS n FROM tasks WHERE job = ? AND run = ? AND state IN ('open', 'pending')`).get(this.job, this.run) as { n: number };
    return r.n > 0;
  }

  // ---- results ---------------------------------------------------------------

  upsertResult(r: ResultRow): void {
    this.stmts.upsertResult.run({
      job: this.job, run: this.run, key: r.key, status: r.status, size: r.size,
      srcEtag: r.srcEtag ?? null, srcCrc64: r.srcCrc64 ?? null, dstEtag: r.dstEtag ?? null, dstCrc64: r.dstCrc64 ?? null,
      srcMtimeMs: r.srcMtimeMs ?? null, startedAt: r.startedAt ?? null, endedAt: r.endedAt ?? null,
      reason: r.reason ?? null, error: r.error ?? null, attempts: r.attempts ?? 0,
    });
  }

  /** Writes many results in one transaction (a busy run flushes every few hundred ms). */
  writeResults(rows: ResultRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.upsertResult(r);
    })();
  }

  counts(): RunCounts {
    const res = this.db
      .prepare(`SELECT status, COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM run_results WHERE job = ? AND run = ? GROUP BY status`)
      .all(this.job, this.run) as { status: ResultStatus; n: number; bytes: number }[];
    const items = this.db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM task_items WHERE job = ? AND run = ?`).get(this.job, this.run) as { n: number; bytes: number };
    const tasks = this.db.prepare(`SELECT state, COUNT(*) AS n FROM tasks WHERE job = ? AND run = ? GROUP BY state`).all(this.job, this.run) as { state: TaskState; n: number }[];
    const by = (s: ResultStatus): { n: number; bytes: number } => res.find((r) => r.status === s) ?? { n: 0, bytes: 0 };
    const skipped = by('skipped');
    const taskCounts: Record<TaskState, number> = { open: 0, pending: 0, running: 0, succeeded: 0, failed: 0 };
    for (const t of tasks) taskCounts[t.state] = t.n;
    return {
      listed: items.n + skipped.n,
      listedBytes: items.bytes + skipped.bytes,
      migrated: by('migrated').n,
      migratedBytes: by('migrated').bytes,
      skipped: skipped.n,
      failed: by('failed').n,
      toCopy: items.n,
      toCopyBytes: items.bytes,
      tasks: taskCounts,
    };
  }

  /** Failed objects of this run, as items for a retry run. */
  *failedItems(): Generator<TaskItem> {
    const rows = this.db
      .prepare(
        `SELECT r.key, r.size, COALESCE(i.etag, r.src_etag) AS etag, COALESCE(i.mtime_ms, r.src_mtime_ms, 0) AS mtime_ms, i.stored_ms, i.storage_class
         FROM run_results r LEFT JOIN task_items i ON i.job = r.job AND i.run = r.run AND i.key = r.key
         WHERE r.job = ? AND r.run = ? AND r.status = 'failed' ORDER BY r.key`,
      )
      .iterate(this.job, this.run) as Iterable<{ key: string; size: number; etag: string | null; mtime_ms: number; stored_ms: number | null; storage_class: string | null }>;
    for (const r of rows) {
      yield { key: r.key, size: r.size, etag: r.etag ?? undefined, mtimeMs: r.mtime_ms, storedMs: r.stored_ms ?? undefined, storageClass: r.storage_class ?? undefined, reason: 'retry' };
    }
  }
}
