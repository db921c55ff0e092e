import type Database from 'better-sqlite3';

/** A run's cumulative figures at one instant: the throughput chart is drawn from consecutive samples. */
export interface RunSample {
  /** ms since the epoch. */
  t: number;
  /** Bytes moved by the run so far (all its sessions). */
  bytesMoved: number;
  /** Objects migrated by the run so far. */
  objects: number;
}

/** Samples of runs in the home database (`run_samples`, deleted with their run). */
export class RunSamples {
  constructor(private readonly db: Database.Database) {}

  add(job: string, run: number, s: RunSample): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO run_samples (job, run, t, bytes_moved, objects) VALUES (?, ?, ?, ?, ?)`)
      .run(job, run, s.t, s.bytesMoved, s.objects);
  }

  /**
   * The run's samples in time order, thinned evenly to at most `maxPoints`
   * (the first and the last are always kept), so a week-long run still
   * draws from a small answer.
   */
  list(job: string, run: number, maxPoints = 500): RunSample[] {
    const { n } = this.db.prepare(`SELECT COUNT(*) AS n FROM run_samples WHERE job = ? AND run = ?`).get(job, run) as { n: number };
    const step = Math.max(1, Math.ceil(n / Math.max(2, maxPoints)));
    const rows = this.db
      .prepare(
        `SELECT t, bytes_moved AS bytesMoved, objects FROM (
           SELECT t, bytes_moved, objects, ROW_NUMBER() OVER (ORDER BY t) - 1 AS i FROM run_samples WHERE job = ? AND run = ?
         ) WHERE i % ? = 0 OR i = ? ORDER BY t`,
      )
      .all(job, run, step, n - 1) as RunSample[];
    return rows;
  }

  /** Objects with a `migrated` result in the run now. */
  migrated(job: string, run: number): number {
    const r = this.db
      .prepare(`SELECT COUNT(*) AS n FROM run_results WHERE job = ? AND run = ? AND status = 'migrated'`)
      .get(job, run) as { n: number };
    return r.n;
  }
}

/**
 * Records one run's progress from the runner's control loop: one sample
 * every `everyMs` at first, spaced out as the session goes on (about a
 * thousand per session, at most one a minute), and one when forced (the
 * start and end of a session). Best effort: a failed write loses a point of
 * the chart, never the run.
 */
export class RunSampler {
  private readonly samples: RunSamples;
  private readonly baseObjects: number;
  private last = 0;
  private readonly started = Date.now();

  constructor(
    db: Database.Database,
    private readonly job: string,
    private readonly run: number,
    private readonly everyMs = 2000,
  ) {
    this.samples = new RunSamples(db);
    let base = 0;
    try {
      base = this.samples.migrated(job, run);
    } catch {
      // no base: the chart's object counts start at this session
    }
    this.baseObjects = base;
  }

  /** `copied` counts objects migrated in this session only. */
  tick(bytesMoved: number, copied: number, force = false, now = Date.now()): void {
    const every = Math.min(60_000, Math.max(this.everyMs, (now - this.started) / 1000));
    if (!force && now - this.last < every) return;
    this.last = now;
    try {
      this.samples.add(this.job, this.run, { t: now, bytesMoved, objects: this.baseObjects + copied });
    } catch {
      // best effort (see the class comment)
    }
  }
}
