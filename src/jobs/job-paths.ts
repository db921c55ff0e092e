import { join } from 'node:path';

/** `<home>/jobs/<name>`: the job's own folder (reports). */
export function jobDir(home: string, job: string): string {
  return join(home, 'jobs', job);
}

/** `<home>/jobs/<name>/runs/<n>`: one run's report files. */
export function runDir(home: string, job: string, run: number): string {
  return join(jobDir(home, job), 'runs', String(run));
}
