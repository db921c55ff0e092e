import type Database from 'better-sqlite3';

export const REPORT_KINDS = ['total', 'migrated', 'skipped', 'failed'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const REPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** One line of a report, as written to CSV and JSONL. */
export interface ReportRow {
  key: string;
  status: string;
  size: number;
  srcEtag: string | null;
  srcCrc64: string | null;
  dstEtag: string | null;
  dstCrc64: string | null;
  srcMtime: string | null;
  startedAt: string | null;
  endedAt: string | null;
  reason: string | null;
  error: string | null;
  attempts: number;
}

export const REPORT_COLUMNS: readonly (keyof ReportRow)[] = [
  'key', 'status', 'size', 'srcEtag', 'srcCrc64', 'dstEtag', 'dstCrc64', 'srcMtime', 'startedAt', 'endedAt', 'reason', 'error', 'attempts',
];

interface Raw {
  key: string;
  status: string;
  size: number;
  src_etag: string | null;
  src_crc64: string | null;
  dst_etag: string | null;
  dst_crc64: string | null;
  src_mtime_ms: number | null;
  started_at: number | null;
  ended_at: number | null;
  reason: string | null;
  error: string | null;
  attempts: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A slice of a report: rows after `afterKey` (keyset paging), then `offset` rows skipped, at most `limit`. */
export interface ReportPage {
  afterKey?: string;
  offset?: number;
  limit?: number;
}

/**
 * A run's results of one kind, in key order, one row at a time from the
 * database (a million-object run is never held in memory). With `page`,
 * only that slice (the API pages and streams reports in slices, so no
 * statement stays open across an await).
 */
export function* reportRows(db: Database.Database, job: string, run: number, kind: ReportKind, page: ReportPage = {}): Generator<ReportRow> {
  let where = kind === 'total' ? '' : 'AND status = ?';
  const args: (string | number)[] = kind === 'total' ? [job, run] : [job, run, kind];
  if (page.afterKey !== undefined) {
    where += ' AND key > ?';
    args.push(page.afterKey);
  }
  let limit = '';
  if (page.limit !== undefined || page.offset !== undefined) {
    limit = 'LIMIT ? OFFSET ?';
    args.push(page.limit ?? -1, page.offset ?? 0);
  }
  const rows = db.prepare(`SELECT * FROM run_results WHERE job = ? AND run = ? ${where} ORDER BY key ${limit}`).iterate(...args) as Iterable<Raw>;
  for (const r of rows) {
    yield {
      key: r.key,
      status: r.status,
      size: r.size,
      srcEtag: r.src_etag,
      srcCrc64: r.src_crc64,
      dstEtag: r.dst_etag,
      dstCrc64: r.dst_crc64,
      srcMtime: iso(r.src_mtime_ms),
      startedAt: iso(r.started_at),
      endedAt: iso(r.ended_at),
      reason: r.reason,
      error: r.error,
      attempts: r.attempts,
    };
  }
}

/** RFC 4180 quoting; a key may hold commas, quotes or newlines. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${REPORT_COLUMNS.join(',')}\n`;
}

export function formatRow(row: ReportRow, format: ReportFormat): string {
  return format === 'jsonl' ? `${JSON.stringify(row)}\n` : `${REPORT_COLUMNS.map((c) => csvField(row[c])).join(',')}\n`;
}
