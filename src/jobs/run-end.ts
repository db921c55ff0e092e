import type Database from 'better-sqlite3';
import { isWritable, type ObjectStore, type StoreSpec } from '../stores/index.js';
import type { JobRepository, RunRow } from './job-repository.js';
import { runDir } from './job-paths.js';
import { uploadRunReports, writeRunReports } from './reports/index.js';

/**
 * What happens when a run ends: its reports are written to the job's folder
 * and, if the job asks, uploaded to the destination.
 */
export function reportOnRunEnd(deps: {
  db: Database.Database;
  home: string;
  jobs: JobRepository;
  resolve: (location: string, field: 'SRC' | 'DST') => StoreSpec;
  openStore: (spec: StoreSpec, role: 'source' | 'destination') => Promise<ObjectStore>;
}): (run: RunRow) => Promise<void> {
  return async (run) => {
    const reports = await writeRunReports(deps.db, run.job, run.number, runDir(deps.home, run.job, run.number));
    const spec = deps.jobs.get(run.job).spec;
    if (spec.reportPrefix === undefined) return;
    const dst = await deps.openStore(deps.resolve(spec.dst, 'DST'), 'destination');
    try {
      if (isWritable(dst)) await uploadRunReports(dst, reports, spec.reportPrefix, run.job, run.number);
    } finally {
      await dst.close();
    }
  };
}
