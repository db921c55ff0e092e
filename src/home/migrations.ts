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
];
