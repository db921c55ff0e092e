import type Database from 'better-sqlite3';
import { FerryError } from '../core/index.js';
import { MIGRATIONS } from './migrations.js';

/**
 * Brings `db` up to the latest schema. Each migration runs in its own
 * IMMEDIATE transaction together with its `user_version` bump, and the
 * version is re-read inside the transaction, so two Ferry processes opening
 * the same home at once never apply a migration twice.
 */
export function runMigrations(db: Database.Database, migrations: readonly string[] = MIGRATIONS): void {
  const current = userVersion(db);
  if (current > migrations.length) {
    throw new FerryError(
      'CONFIG',
      `${db.name} has schema version ${current} but this Ferry knows only ${migrations.length}: upgrade Ferry`,
      { fatal: true },
    );
  }
  for (let version = current; version < migrations.length; version++) {
    const sql = migrations[version] as string;
    const step = db.transaction(() => {
      if (userVersion(db) !== version) return; // another process got here first
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    });
    step.immediate();
  }
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
