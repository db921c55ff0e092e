/** Run reports: every object's outcome, streamed from the job database to CSV or JSONL. */
export * from './report-rows.js';
export * from './write-report.js';
export * from './run-reports.js';
