import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { emptyMetadata } from '../../core/index.js';
import type { WritableStore } from '../../stores/index.js';
import { REPORT_FORMATS, REPORT_KINDS } from './report-rows.js';
import { writeReportFile } from './write-report.js';

export interface RunReportFiles {
  dir: string;
  files: { kind: string; format: string; path: string; rows: number }[];
}

/** Writes every report of a run (total, migrated, skipped, failed; CSV and JSONL) into `dir`. */
export async function writeRunReports(db: Database.Database, job: string, run: number, dir: string): Promise<RunReportFiles> {
  const files: RunReportFiles['files'] = [];
  for (const kind of REPORT_KINDS) {
    for (const format of REPORT_FORMATS) {
      const path = join(dir, `${kind}.${format}`);
      files.push({ kind, format, path, rows: await writeReportFile(db, job, run, kind, format, path) });
    }
  }
  return { dir, files };
}

/** Uploads a run's report files to the destination under `prefix<job>/run-<n>/`. */
export async function uploadRunReports(dst: WritableStore, reports: RunReportFiles, prefix: string, job: string, run: number): Promise<void> {
  for (const f of reports.files) {
    const size = (await stat(f.path)).size;
    await dst.put(`${prefix}${job}/run-${run}/${f.kind}.${f.format}`, createReadStream(f.path), {
      size,
      metadata: { ...emptyMetadata(), contentType: f.format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
      mtimeMs: Date.now(),
    });
  }
}
