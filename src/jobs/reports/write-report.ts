import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type Database from 'better-sqlite3';
import { csvHeader, formatRow, reportRows, type ReportFormat, type ReportKind } from './report-rows.js';

/** Streams one report to a writable, waiting on back-pressure; returns the number of rows. */
export async function streamReport(db: Database.Database, job: string, run: number, kind: ReportKind, format: ReportFormat, out: Writable): Promise<number> {
  let n = 0;
  if (format === 'csv' && !out.write(csvHeader())) await once(out, 'drain');
  for (const row of reportRows(db, job, run, kind)) {
    n++;
    if (!out.write(formatRow(row, format))) await once(out, 'drain');
  }
  return n;
}

/** Writes a report file atomically (temp file, then rename): a reader never sees half a report. */
export async function writeReportFile(db: Database.Database, job: string, run: number, kind: ReportKind, format: ReportFormat, path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  const n = await streamReport(db, job, run, kind, format, out);
  out.end();
  await once(out, 'close');
  await rename(tmp, path);
  return n;
}
