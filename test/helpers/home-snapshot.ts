// What "nothing written" means for a Ferry home, and what "no stack trace"
// means for output: shared by the bad-input tests (unit and integration).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';

export interface HomeSnapshot {
  /** Every table's rows as JSON, sorted, plus the schema under `sqlite_master`. */
  tables: Record<string, string[]>;
  /** Every other file (base64 of its bytes) and folder below the home. */
  files: Record<string, string>;
}

/**
 * Everything a home holds, for a before/after comparison: rows are compared,
 * not the database file, so a WAL checkpoint or page reuse is no change while
 * any row added, removed or altered is.
 */
export function snapshotHome(home: string): HomeSnapshot {
  const db = new Database(join(home, 'ferry.db'), { readonly: true, fileMustExist: true });
  const tables: Record<string, string[]> = {};
  try {
    const names = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string; sql: string }[];
    tables.sqlite_master = names.map((t) => t.sql);
    for (const { name } of names) {
      tables[name] = (db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    }
  } finally {
    db.close();
  }
  const files: Record<string, string> = {};
  for (const rel of readdirSync(home, { recursive: true, encoding: 'utf8' })) {
    if (/^ferry\.db(-wal|-shm)?$/.test(rel)) continue;
    const path = join(home, rel);
    files[rel] = statSync(path).isDirectory() ? '<dir>' : readFileSync(path).toString('base64');
  }
  return { tables, files };
}

/** No stack frame, no `SomeError:` class dump, no Node error code in brackets. */
export function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at\s/m);
  expect(text).not.toMatch(/\b[A-Z][A-Za-z]*Error\b(:|\s\[)/);
  expect(text).not.toMatch(/\[ERR_[A-Z_]+\]/);
}
