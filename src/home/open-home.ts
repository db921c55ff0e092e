import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FerryError } from '../core/index.js';
import { runMigrations } from './run-migrations.js';
import { SecretBox } from './secret-box.js';

export const DB_FILE = 'ferry.db';

/** An opened Ferry home: its database and the box that seals its secrets. */
export interface FerryHome {
  dir: string;
  db: Database.Database;
  secretBox: SecretBox;
  close(): void;
}

/**
 * Opens (creating if needed) the home folder and its `ferry.db`, migrated to
 * the latest schema. The secret key is only read or created when a secret is
 * first sealed or opened.
 */
export function openHome(dir: string, env: NodeJS.ProcessEnv = process.env): FerryHome {
  try {
    // 0700: the folder holds the secret key and credentials metadata.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, DB_FILE);
    // Create the file ourselves so it is 0600 from the start; SQLite gives
    // its -wal and -shm files the same mode.
    closeSync(openSync(file, 'a', 0o600));
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      runMigrations(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return { dir, db, secretBox: SecretBox.forHome(dir, env), close: () => db.close() };
  } catch (err) {
    if (err instanceof FerryError) throw err;
    throw new FerryError('CONFIG', `cannot open Ferry home ${dir}: ${(err as Error).message}`, {
      fatal: true,
      cause: err,
    });
  }
}
