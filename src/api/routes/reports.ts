import { Hono } from 'hono';
import { csvHeader, formatRow, reportRows, type ReportFormat, type ReportKind } from '../../jobs/reports/index.js';
import type Database from 'better-sqlite3';
import { readQuery } from '../body.js';
import type { AppDeps } from '../deps.js';
import { reportDownloadQuerySchema, reportQuerySchema } from '../schemas.js';
import { findRun } from './jobs.js';

/** Rows read per slice while streaming a report: each slice is one short, synchronous query. */
const SLICE = 1000;

function countRows(db: Database.Database, job: string, run: number, kind: ReportKind): number {
  const r = (kind === 'total'
    ? db.prepare(`SELECT COUNT(*) AS n FROM run_results WHERE job = ? AND run = ?`).get(job, run)
    : db.prepare(`SELECT COUNT(*) AS n FROM run_results WHERE job = ? AND run = ? AND status = ?`).get(job, run, kind)) as { n: number };
  return r.n;
}

/**
 * A report as a stream of text, read in key-ordered slices. No statement
 * stays open between slices, so the jobs running in this process (same
 * database connection) are never blocked by a slow download.
 */
export function reportStream(db: Database.Database, job: string, run: number, kind: ReportKind, format: ReportFormat, slice = SLICE): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterKey: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = '';
      if (!started) {
        started = true;
        if (format === 'csv') text += csvHeader();
      }
      let n = 0;
      for (const row of reportRows(db, job, run, kind, { afterKey, limit: slice })) {
        text += formatRow(row, format);
        afterKey = row.key;
        n++;
      }
      if (text) controller.enqueue(encoder.encode(text));
      if (n < slice) controller.close();
    },
  });
}

/** `/api/jobs/:name/runs/:run/report`: a page of rows as JSON, or the whole report as a file. */
export function reportRoutes(deps: AppDeps): Hono {
  const app = new Hono();

  app.get('/:name/runs/:run/report', (c) => {
    const run = findRun(deps, c.req.param('name'), c.req.param('run'));
    const q = readQuery(c, reportQuerySchema);
    const rows = [...reportRows(deps.db, run.job, run.number, q.kind, { offset: q.offset, limit: q.limit })];
    return c.json({ kind: q.kind, run: run.number, offset: q.offset, limit: q.limit, total: countRows(deps.db, run.job, run.number, q.kind), rows });
  });

  app.get('/:name/runs/:run/report/download', (c) => {
    const run = findRun(deps, c.req.param('name'), c.req.param('run'));
    const q = readQuery(c, reportDownloadQuerySchema);
    // Job names are letters, digits and . _ - only: safe in a header.
    const file = `${run.job}-run${run.number}-${q.kind}.${q.format}`;
    return new Response(reportStream(deps.db, run.job, run.number, q.kind, q.format), {
      headers: {
        'Content-Type': q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'Content-Disposition': `attachment; filename="${file}"`,
        'Cache-Control': 'no-store',
      },
    });
  });

  return app;
}
