/**
 * The schema of `ferry.db`, as an append-only list: migration N (1-based) is
 * `MIGRATIONS[N - 1]` and `PRAGMA user_version` records how many ran.
 *
 * To change the schema, append a new string. Never edit or reorder one that
 * has shipped: existing homes have already applied it.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: named data addresses. config_json never holds a secret: a clear secret
  // lives only encrypted in secret_enc, an env-var secret only as its name.
  `CREATE TABLE addresses (
     name        TEXT PRIMARY KEY NOT NULL,
     type        TEXT NOT NULL,
     config_json TEXT NOT NULL,
     secret_enc  TEXT,
     secret_env  TEXT,
     created_at  TEXT NOT NULL,
     updated_at  TEXT NOT NULL,
     CHECK (secret_enc IS NULL OR secret_env IS NULL)
   ) STRICT;`,

  // 2: migration jobs. A job has runs; a run's listing is cut into list parts
  // (prefixes listed in parallel, each with its own resume cursor) and feeds
  // tasks of items; every object's outcome is one row of run_results, so a
  // report counts each object once however often the run was resumed.
  `CREATE TABLE jobs (
     name         TEXT PRIMARY KEY NOT NULL,
     spec_json    TEXT NOT NULL,
     state        TEXT NOT NULL,
     desired      TEXT,
     current_run  INTEGER,
     next_run_at  INTEGER,
     owner        TEXT,
     heartbeat_at INTEGER,
     created_at   INTEGER NOT NULL,
     updated_at   INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE runs (
     job          TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
     number       INTEGER NOT NULL,
     kind         TEXT NOT NULL,
     since_ms     INTEGER,
     state        TEXT NOT NULL,
     listing_done INTEGER NOT NULL DEFAULT 0,
     list_requests INTEGER NOT NULL DEFAULT 0,
     retries      INTEGER NOT NULL DEFAULT 0,
     bytes_moved  INTEGER NOT NULL DEFAULT 0,
     rate_bps     REAL NOT NULL DEFAULT 0,
     rate_ops     REAL NOT NULL DEFAULT 0,
     error        TEXT,
     started_at   INTEGER NOT NULL,
     ended_at     INTEGER,
     PRIMARY KEY (job, number)
   ) STRICT;
   CREATE TABLE list_parts (
     job       TEXT NOT NULL,
     run       INTEGER NOT NULL,
     idx       INTEGER NOT NULL,
     prefix    TEXT NOT NULL,
     depth     INTEGER NOT NULL,
     level     INTEGER NOT NULL,
     cursor    TEXT,
     done      INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (job, run, idx),
     FOREIGN KEY (job, run) REFERENCES runs(job, number) ON DELETE CASCADE
   ) STRICT;
   CREATE TABLE tasks (
     job        TEXT NOT NULL,
     run        INTEGER NOT NULL,
     seq        INTEGER NOT NULL,
     state      TEXT NOT NULL,
     part       INTEGER,
     objects    INTEGER NOT NULL DEFAULT 0,
     bytes      INTEGER NOT NULL DEFAULT 0,
     attempts   INTEGER NOT NULL DEFAULT 0,
     worker     TEXT,
     started_at INTEGER,
     ended_at   INTEGER,
     PRIMARY KEY (job, run, seq),
     FOREIGN KEY (job, run) REFERENCES runs(job, number) ON DELETE CASCADE
   ) STRICT;
   CREATE INDEX tasks_by_state ON tasks (job, run, state);
   CREATE TABLE task_items (
     job           TEXT NOT NULL,
     run           INTEGER NOT NULL,
     seq           INTEGER NOT NULL,
     key           TEXT NOT NULL,
     size          INTEGER NOT NULL,
     etag          TEXT,
     mtime_ms      INTEGER NOT NULL,
     stored_ms     INTEGER,
     storage_class TEXT,
     reason        TEXT NOT NULL,
     PRIMARY KEY (job, run, key),
     FOREIGN KEY (job, run) REFERENCES runs(job, number) ON DELETE CASCADE
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX task_items_by_task ON task_items (job, run, seq);
   CREATE TABLE run_results (
     job          TEXT NOT NULL,
     run          INTEGER NOT NULL,
     key          TEXT NOT NULL,
     status       TEXT NOT NULL,
     size         INTEGER NOT NULL,
     src_etag     TEXT,
     src_crc64    TEXT,
     dst_etag     TEXT,
     dst_crc64    TEXT,
     src_mtime_ms INTEGER,
     started_at   INTEGER,
     ended_at     INTEGER,
     reason       TEXT,
     error        TEXT,
     attempts     INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (job, run, key),
     FOREIGN KEY (job, run) REFERENCES runs(job, number) ON DELETE CASCADE
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX run_results_by_status ON run_results (job, run, status);
   CREATE TABLE uploads (
     job        TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
     key        TEXT NOT NULL,
     upload_id  TEXT NOT NULL,
     src_etag   TEXT,
     size       INTEGER NOT NULL,
     part_size  INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (job, key)
   ) STRICT;`,

  // 3: ferry serve's web console and API. settings holds the API token's
  // salted hash (never the token); run_samples are a run's cumulative bytes
  // and objects every few seconds while it runs, for the throughput chart.
  `CREATE TABLE settings (
     key        TEXT PRIMARY KEY NOT NULL,
     value      TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE run_samples (
     job         TEXT NOT NULL,
     run         INTEGER NOT NULL,
     t           INTEGER NOT NULL,
     bytes_moved INTEGER NOT NULL,
     objects     INTEGER NOT NULL,
     PRIMARY KEY (job, run, t),
     FOREIGN KEY (job, run) REFERENCES runs(job, number) ON DELETE CASCADE
   ) STRICT, WITHOUT ROWID;`,
];
