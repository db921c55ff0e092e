import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Keys deleted through the mirror. Without them a deleted object that the
 * source still holds would come back on the next read (fetched and filled
 * again); with them it stays deleted, in reads and listings, until a client
 * writes the key again. Kept in a small SQLite file so a restarted mirror
 * remembers them.
 */
export class Tombstones {
  private readonly db: Database.Database;
  private readonly hasStmt: Database.Statement<[string], { n: number }>;
  private readonly addStmt: Database.Statement<[string, number]>;
  private readonly removeStmt: Database.Statement<[string]>;

  /** `path` of the state file, or `:memory:` for a mirror that forgets on exit. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS tombstones (key TEXT PRIMARY KEY, deleted_at INTEGER NOT NULL) WITHOUT ROWID');
    this.hasStmt = this.db.prepare('SELECT 1 AS n FROM tombstones WHERE key = ?');
    this.addStmt = this.db.prepare('INSERT OR REPLACE INTO tombstones (key, deleted_at) VALUES (?, ?)');
    this.removeStmt = this.db.prepare('DELETE FROM tombstones WHERE key = ?');
  }

  has(key: string): boolean {
    return this.hasStmt.get(key) !== undefined;
  }

  add(key: string): void {
    this.addStmt.run(key, Date.now());
  }

  remove(key: string): void {
    this.removeStmt.run(key);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
