// Where tests leave what Ferry wrote and said, so that scripts/secrets-scan.mjs
// can check after `vitest run` that no test secret is in it in clear. One
// folder per run (artifacts-run.ts), one sub-folder per test file:
//
//   <run>/<test file>/homes/<label>-XXXXXX/   every FERRY_HOME: ferry.db (+ -wal, -shm),
//                                            secret.key, jobs/<job>/runs/<n>/ reports
//   <run>/<test file>/logs/NNN-<what>.log    stdout + stderr of every CLI run
//   <run>/<test file>/api/*.http             every API response (status, headers, body)
//   <run>/<test file>/console/               console pages, their network responses, downloads
//   <run>/<test file>/reports/               reports written with `ferry job report --out`
//   <run>/vitest-console.log                 the tests' own console output and failures
//   <run>/registered-secrets.jsonl           the secrets to look for (the scan skips this file)
//
// Test data (object payloads, source and destination folders) stays in
// os.tmpdir(): only what Ferry writes or answers comes here.
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect, inject } from 'vitest';
import { appendSecret, ARTIFACTS_ROOT, createRunDir, readSecrets, REPO_ROOT, RUN_ENV } from './artifacts-run.js';
import { fixedSecrets } from './test-secrets.js';

export { ARTIFACTS_ROOT, REPO_ROOT } from './artifacts-run.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's artifacts folder, from test/helpers/artifacts-setup.ts. */
    ferryArtifactsRun: string;
  }
}

let adhoc: string | undefined;

/** This run's artifacts folder. */
export function runArtifactsDir(): string {
  const provided = inject('ferryArtifactsRun') as string | undefined;
  if (provided) return provided;
  const fromEnv = process.env[RUN_ENV];
  if (fromEnv) return fromEnv;
  // A vitest config without the global setup: a run folder of this worker's own.
  adhoc ??= createRunDir(ARTIFACTS_ROOT);
  process.env[RUN_ENV] = adhoc;
  return adhoc;
}

/** `unit-cli-job` for test/unit/cli-job.test.ts: the running test file's folder name. */
function testFileSlug(): string {
  const path = expect.getState().testPath;
  if (!path) return 'no-test-file';
  return relative(join(REPO_ROOT, 'test'), path)
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .split(sep)
    .join('-')
    .replace(/[^\w.-]+/g, '_');
}

/** `<run>/<test file>/<sub...>`, created. */
export function testArtifactsDir(...sub: string[]): string {
  const dir = join(runArtifactsDir(), testFileSlug(), ...sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A new, empty folder for a FERRY_HOME (mode 0700, as Ferry makes it). */
export function newHomeDir(label = 'home'): string {
  return mkdtempSync(join(testArtifactsDir('homes'), `${label.replace(/[^\w.-]+/g, '_')}-`));
}

let logSeq = 0;

/** Creates a new, empty log file `<test file>/logs/NNN-<name>.log` and returns its path. */
export function newLogFile(name: string): string {
  const dir = testArtifactsDir('logs');
  const clean = name.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'ferry';
  for (;;) {
    const path = join(dir, `${String(++logSeq).padStart(3, '0')}-${clean}.log`);
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Appends the output of one CLI run to its log file as it comes, with a
 * `# stdout` / `# stderr` line wherever the stream changes.
 */
export class CliLog {
  readonly path: string;
  private last: 'stdout' | 'stderr' | undefined;

  constructor(argv: readonly string[] | undefined, home: string) {
    this.path = newLogFile(argv?.length ? argv.slice(0, 2).join('-') : 'cli');
    const what = argv ? `ferry ${redactArgv(argv)}` : 'ferry (in-process, command line not given)';
    appendFileSync(this.path, `# ${what}\n# FERRY_HOME=${home.startsWith(REPO_ROOT) ? relative(REPO_ROOT, home) : home}\n`);
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    const head = stream === this.last ? '' : `${this.last === undefined ? '' : '\n'}# ${stream}\n`;
    this.last = stream;
    appendFileSync(this.path, head);
    appendFileSync(this.path, chunk);
  }

  end(how: string): void {
    appendFileSync(this.path, `\n# ${how}\n`);
  }
}

const registered = new Set<string>();

/** Adds a secret a test made up at run time (a random key, a one-off token) to the scan's list. */
export function registerSecret(label: string, value: string): void {
  if (registered.has(value)) return;
  registered.add(value);
  appendSecret(runArtifactsDir(), label, value);
}

/** Names of environment variables that hold a secret (not AWS_ACCESS_KEY_ID: a key id is not one). */
const SECRET_VAR = /SECRET|TOKEN|PASSWORD|PASSWD/i;

/** Registers the values of an environment's secret variables (FERRY_SECRET_KEY, FERRY_TEST_SECRET_1...). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    if (value && SECRET_VAR.test(name)) registerSecret(`$${name}`, value);
  }
}

/** Flags whose value is a secret (`--flag value` or `--flag=value`). */
const SECRET_FLAGS = /^--(secret-access-key|token|password|secret-key)$/;

/**
 * A command line fit for a log file: values of secret flags, passwords in
 * URLs and any known test secret become `***`. The logs are scanned for
 * secrets too; this keeps the tests' own notes from tripping the scan.
 */
export function redactArgv(argv: readonly string[]): string {
  const known = [...Object.values(fixedSecrets()), ...readSecrets(runArtifactsDir()).map((s) => s.value)]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] ?? '';
    const eq = /^(--[\w-]+)=/.exec(arg);
    if (eq && SECRET_FLAGS.test(eq[1] ?? '')) arg = `${eq[1]}=***`;
    else if (SECRET_FLAGS.test(arg) && i + 1 < argv.length) {
      out.push(arg, '***');
      i++;
      continue;
    }
    arg = arg.replace(/(\w+:\/\/[^/@\s:]*:)[^/@\s]*@/g, '$1***@');
    for (const s of known) arg = arg.split(s).join('***');
    out.push(/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  }
  return out.join(' ');
}
