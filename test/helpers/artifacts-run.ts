// The folder a test run leaves its artifacts in, test-artifacts/run/<started>-<pid>/,
// made by the global setup (test/helpers/artifacts-setup.ts) and checked by
// scripts/secrets-scan.mjs after `vitest run` (see artifacts.ts for the
// layout). No `vitest` import here: the global setup and the reporter run in
// vitest's main process, where the test API is not available.
//
// Several runs may share a checkout at once (two terminals, or helpers
// running their own test files), so a run never empties the root: it
// removes only the folders of runs whose process is gone, and keeps its own
// until the next run starts, so the scan can read it after vitest exits.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Every run's folder lives here (git-ignored with the rest of test-artifacts/). */
export const ARTIFACTS_ROOT = join(REPO_ROOT, 'test-artifacts', 'run');
/** Set in vitest's main process (and so inherited by its workers) to the current run folder. */
export const RUN_ENV = 'FERRY_TEST_ARTIFACTS_RUN';
/** `{pid, startedAt}` of the process that owns a run folder. */
export const OWNER_FILE = 'owner.json';
/** Name of the registry file in a run folder (JSON lines `{label, value}`); the scan reads it and skips it. */
export const SECRETS_REGISTRY = 'registered-secrets.jsonl';

/** A run older than this is removed even if its pid is alive again (pid reuse). */
const MAX_RUN_AGE_MS = 24 * 3600_000;
/** A folder without an owner file this old is debris (its owner file is written right after mkdir). */
const ORPHAN_AGE_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the folders of finished runs; keeps those whose process still runs. */
export function removeFinishedRuns(root = ARTIFACTS_ROOT, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(root, name);
    let owner: { pid?: unknown; startedAt?: unknown } | undefined;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as typeof owner;
    } catch {
      owner = undefined;
    }
    let keep: boolean;
    if (owner && typeof owner.pid === 'number' && typeof owner.startedAt === 'number') {
      keep = alive(owner.pid) && now - owner.startedAt < MAX_RUN_AGE_MS;
    } else {
      try {
        keep = now - statSync(dir).mtimeMs < ORPHAN_AGE_MS;
      } catch {
        keep = false;
      }
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Makes a fresh run folder owned by this process, after removing those of finished runs. */
export function createRunDir(root = ARTIFACTS_ROOT): string {
  removeFinishedRuns(root);
  const startedAt = Date.now();
  const dir = join(root, `${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, OWNER_FILE), `${JSON.stringify({ pid: process.pid, startedAt })}\n`);
  return dir;
}

/** Adds a secret to the run's list for the scan. */
export function appendSecret(run: string, label: string, value: string): void {
  // One short line per append: O_APPEND writes from parallel test workers do not interleave.
  appendFileSync(join(run, SECRETS_REGISTRY), `${JSON.stringify({ label, value })}\n`, { mode: 0o600 });
}

/** The secrets registered in a run folder. */
export function readSecrets(run: string): { label: string; value: string }[] {
  let text: string;
  try {
    text = readFileSync(join(run, SECRETS_REGISTRY), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { label: string; value: string });
}
