// Vitest global setup: makes this run's artifacts folder (artifacts-run.ts)
// and lists the fixed test secrets in it for scripts/secrets-scan.mjs.
// Vitest calls it once for the root and once per project; all share one folder.
import type { TestProject } from 'vitest/node';
import { appendSecret, createRunDir, RUN_ENV } from './artifacts-run.js';
import { fixedSecrets } from './test-secrets.js';

const RUN = Symbol.for('ferry.test.artifactsRun');

export default function setup(project: TestProject): void {
  const g = globalThis as { [RUN]?: string };
  if (!g[RUN]) {
    const run = createRunDir();
    for (const [label, value] of Object.entries(fixedSecrets())) appendSecret(run, label, value);
    g[RUN] = run;
    // Workers are forked after the global setup: they inherit it.
    process.env[RUN_ENV] = run;
  }
  project.provide('ferryArtifactsRun', g[RUN]);
}
