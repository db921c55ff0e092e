// Distributed mode: 1 worker vs 3 workers on the same job, each worker held
// to the same bandwidth (`ferry worker --bwlimit`), so the machine's own
// speed cannot hide whether adding workers adds throughput. Target: 3
// workers move at least 2.5× what 1 does. Then 3 workers without limits of
// their own under a job-wide --bwlimit (BENCH_DIST_GLOBAL_LIMIT, 3M): the
// total rate must be that limit, not 3 times it.
//
// Run by bench/run.ts after the Ferry vs rclone scenarios (BENCH_DISTRIBUTED=0
// skips it), or alone: `npm run build && node --import tsx bench/distributed.ts`.
// Either way the result replaces the "Distributed mode" section of
// docs/benchmarks.md (between its markers) or is appended to it; the rest of
// the file is left as it is.
//
// Knobs: BENCH_DIST_OBJECTS (120) × BENCH_DIST_MIB (1) MiB objects,
// BENCH_DIST_WORKER_LIMIT (4M) per worker, BENCH_DIST_TASK_OBJECTS (4).
// Redis: REDIS_URL, else scripts/redis-up.sh (started if needed); the
// benchmark uses its own database (BENCH_DIST_REDIS_DB, 10) and empties it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { loadConfig, loadS3Server, MiB, userKeys, type S3Server } from './config.js';
import { BenchS3 } from './s3.js';

export interface DistributedBenchInput {
  repoRoot: string;
  server: S3Server;
  s3: BenchS3;
  /** Where the section goes; undefined: only printed. */
  docPath: string | undefined;
  log: (msg: string) => void;
}

interface Trial {
  workers: number;
  /** First task start to last task end: the copying itself. */
  copyS: number;
  /** Run start (listing included) to run end. */
  runS: number;
  bytes: number;
  objects: number;
  tasksPerWorker: Record<string, number>;
  bytesPerWorker: Record<string, number>;
}

export interface DistributedResult {
  date: Date;
  objects: number;
  objectBytes: number;
  workerLimit: string;
  workerLimitBytes: number;
  taskObjects: number;
  one: Trial;
  three: Trial;
  /** 3 workers without their own limit under one job-wide `--bwlimit`. */
  globalLimit: string;
  globalLimitBytes: number;
  global: Trial;
  /** Throughput with 3 workers ÷ with 1, over the copying window. */
  ratio: number;
}

const BEGIN = '<!-- distributed-bench:begin (bench/distributed.ts rewrites this section) -->';
const END = '<!-- distributed-bench:end -->';
const SECRET_ENV = 'BENCH_FERRY_SECRET_2';

const intEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
};

function redisUrl(repoRoot: string): string {
  const base = process.env.REDIS_URL ?? /REDIS_URL=(\S+)/.exec(execFileSync(join(repoRoot, 'scripts', 'redis-up.sh'), { encoding: 'utf8' }))?.[1];
  if (!base) throw new Error('no Redis: set REDIS_URL or make scripts/redis-up.sh work');
  const u = new URL(base);
  u.pathname = `/${intEnv('BENCH_DIST_REDIS_DB', 10)}`;
  return u.toString();
}

/** Measures 1 worker, then 3, on the same source; writes the doc section. */
export async function runDistributedBench(input: DistributedBenchInput): Promise<DistributedResult> {
  const { repoRoot, server, s3, log } = input;
  const objects = intEnv('BENCH_DIST_OBJECTS', 120);
  const objectBytes = intEnv('BENCH_DIST_MIB', 1) * MiB;
  const workerLimit = process.env.BENCH_DIST_WORKER_LIMIT ?? '4M';
  const globalLimit = process.env.BENCH_DIST_GLOBAL_LIMIT ?? '3M';
  const taskObjects = intEnv('BENCH_DIST_TASK_OBJECTS', 4);
  const queue = redisUrl(repoRoot);
  const bin = join(repoRoot, 'bin', 'ferry.js');
  execFileSync('redis-cli', ['-u', queue, 'FLUSHDB'], { stdio: 'ignore' });

  log(`distributed: ${objects} × ${objectBytes / MiB} MiB, each worker limited to ${workerLimit}, ${taskObjects} objects a task, queue ${queue}`);
  const src = await s3.createBucket('dist-src', 1);
  const keys = Array.from({ length: objects }, (_, i) => `dist/d${i % 10}/${String(i).padStart(5, '0')}.bin`);
  await s3.putMany(src, keys, objectBytes, 16);

  const trial = async (label: string, workers: number, limits: { worker?: string; job?: string }): Promise<Trial> => {
    const dst = await s3.createBucket(`dist-${label}`, 2);
    const home = mkdtempSync(join(tmpdir(), 'ferry-bench-dist-'));
    const u1 = userKeys(server, 1);
    const u2 = userKeys(server, 2);
    const env: NodeJS.ProcessEnv = { ...process.env, FERRY_HOME: home, FERRY_SECRET_KEY: randomBytes(32).toString('hex'), [SECRET_ENV]: u2.secretAccessKey };
    const cli = (...args: string[]): string => execFileSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const children: ChildProcess[] = [];
    const logs: string[] = [];
    /** A child's stderr goes to a file, shown when the trial fails. */
    const logTo = (name: string): number => {
      const file = join(home, `${name}.log`);
      logs.push(file);
      return openSync(file, 'w');
    };
    const launch = (name: string, args: string[], childEnv: NodeJS.ProcessEnv): void => {
      const fd = logTo(name);
      children.push(spawn(process.execPath, [bin, ...args], { env: childEnv, stdio: ['ignore', 'ignore', fd] }));
      closeSync(fd);
    };
    try {
      cli('address', 'add', 's', '--type', 's3', '--provider', 'ceph', '--endpoint', server.endpoint, '--region', server.region, '--bucket', src,
        '--access-key-id', u1.accessKeyId, '--secret-access-key', u1.secretAccessKey);
      cli('address', 'add', 'd', '--type', 's3', '--provider', 'ceph', '--endpoint', server.endpoint, '--region', server.region, '--bucket', dst,
        '--access-key-id', u2.accessKeyId, '--secret-env', SECRET_ENV);
      const job = `dist-${label}`;
      cli('job', 'create', job, '--src', 's', '--dst', 'd', '--task-objects', String(taskObjects), ...(limits.job ? ['--bwlimit', limits.job] : []));
      for (let i = 1; i <= workers; i++) {
        // Each worker with an empty home of its own, as on another machine.
        const whome = mkdtempSync(join(tmpdir(), 'ferry-bench-worker-'));
        const own = limits.worker ? ['--bwlimit', limits.worker] : [];
        launch(`worker${i}`, ['worker', '--queue', queue, '--id', `${label}-${i}`, ...own], { ...env, FERRY_HOME: whome });
      }
      launch('serve', ['serve', '--queue', queue, '--no-api'], env);
      // The workers register within a second; the coordinator sizes its queue from them.
      await new Promise((r) => setTimeout(r, 2000));
      cli('job', 'start', job, '--background');
      const db = new Database(join(home, 'ferry.db'), { readonly: true });
      try {
        const deadline = Date.now() + 30 * 60_000;
        for (;;) {
          const j = db.prepare(`SELECT state, owner FROM jobs WHERE name = ?`).get(job) as { state: string; owner: string | null };
          if (['succeeded', 'failed', 'stopped'].includes(j.state) && j.owner === null) {
            if (j.state !== 'succeeded') throw new Error(`distributed bench: job ${job} ${j.state}`);
            break;
          }
          if (Date.now() > deadline) throw new Error(`distributed bench: job ${job} did not finish in 30 min`);
          await new Promise((r) => setTimeout(r, 250));
        }
        const run = db.prepare(`SELECT started_at, ended_at FROM runs WHERE job = ? AND number = 1`).get(job) as { started_at: number; ended_at: number };
        // Tasks with objects: level listing leaves an empty one for the root, finished without a worker.
        const tasks = db.prepare(`SELECT worker, started_at, ended_at, objects, bytes FROM tasks WHERE job = ? AND run = 1 AND objects > 0`).all(job) as
          { worker: string; started_at: number; ended_at: number; objects: number; bytes: number }[];
        const st = await s3.stats(dst);
        if (st.count !== objects || st.bytes !== objects * objectBytes) throw new Error(`distributed bench: ${dst} holds ${st.count} objects / ${st.bytes} bytes`);
        const tasksPerWorker: Record<string, number> = {};
        const bytesPerWorker: Record<string, number> = {};
        for (const t of tasks) {
          tasksPerWorker[t.worker] = (tasksPerWorker[t.worker] ?? 0) + 1;
          bytesPerWorker[t.worker] = (bytesPerWorker[t.worker] ?? 0) + t.bytes;
        }
        return {
          workers,
          copyS: (Math.max(...tasks.map((t) => t.ended_at)) - Math.min(...tasks.map((t) => t.started_at))) / 1000,
          runS: (run.ended_at - run.started_at) / 1000,
          bytes: tasks.reduce((a, t) => a + t.bytes, 0),
          objects: tasks.reduce((a, t) => a + t.objects, 0),
          tasksPerWorker,
          bytesPerWorker,
        };
      } finally {
        db.close();
      }
    } catch (err) {
      for (const file of logs) log(`--- ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')}`);
      throw err;
    } finally {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
      rmSync(home, { recursive: true, force: true });
      await s3.deleteBucket(dst);
    }
  };

  const one = await trial('one', 1, { worker: workerLimit });
  log(`  1 worker:  ${describe(one)}`);
  const three = await trial('three', 3, { worker: workerLimit });
  log(`  3 workers: ${describe(three)}`);
  const global = await trial('global', 3, { job: globalLimit });
  log(`  3 workers, job --bwlimit ${globalLimit}: ${describe(global)}`);
  const rate = (t: Trial): number => t.bytes / t.copyS;
  const result: DistributedResult = {
    date: new Date(), objects, objectBytes, workerLimit, workerLimitBytes: parseLimit(workerLimit), taskObjects, one, three, ratio: rate(three) / rate(one),
    globalLimit, globalLimitBytes: parseLimit(globalLimit), global,
  };
  await s3.deleteBucket(src);
  const section = distributedSection(result);
  process.stdout.write(`\n${section}\n`);
  if (input.docPath) {
    writeSection(input.docPath, section);
    log(`wrote the distributed-mode section of ${input.docPath}`);
  }
  return result;
}

function globalRow(r: DistributedResult): string {
  const t = r.global;
  const total = t.bytes / MiB / t.copyS;
  const each = Object.values(t.bytesPerWorker).map((b) => (b / MiB / t.copyS).toFixed(2)).join(' / ');
  return `| ${t.workers} | ${r.globalLimit} (${(r.globalLimitBytes / MiB).toFixed(1)} MiB/s) | ${t.copyS.toFixed(1)} | ${total.toFixed(2)} | ${((total / (r.globalLimitBytes / MiB)) * 100).toFixed(0)} % | ${each} |`;
}

function describe(t: Trial): string {
  return `${(t.bytes / MiB).toFixed(0)} MiB in ${t.copyS.toFixed(1)} s = ${(t.bytes / MiB / t.copyS).toFixed(2)} MiB/s (run ${t.runS.toFixed(1)} s); tasks ${JSON.stringify(t.tasksPerWorker)}`;
}

/** `4M` → bytes/s, for the table (binary units, as Ferry reads them). */
function parseLimit(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)/i.exec(text);
  const unit = { '': 1, K: 1024, M: MiB, G: 1024 * MiB }[(m?.[2] ?? '').toUpperCase()] ?? 1;
  return m ? Number(m[1]) * unit : Number.NaN;
}

export function distributedSection(r: DistributedResult): string {
  const f = (n: number, d = 2): string => n.toFixed(d);
  const row = (t: Trial): string => {
    const mibs = t.bytes / MiB / t.copyS;
    return `| ${t.workers} | ${f(t.copyS, 1)} | ${f(t.runS, 1)} | ${f(mibs)} | ${f(mibs / ((t.workers * r.workerLimitBytes) / MiB) * 100, 0)} % | ${Object.values(t.tasksPerWorker).sort((a, b) => b - a).join(' / ')} |`;
  };
  const met = r.ratio >= 2.5;
  return [
    BEGIN,
    '## Distributed mode: 1 worker vs 3 workers, and a global limit',
    '',
    `Generated by bench/distributed.ts on ${r.date.toISOString().replace(/\.\d+Z$/, 'Z')}. One coordinator (\`ferry serve --queue\`) and 1, then 3,`,
    `\`ferry worker --bwlimit ${r.workerLimit}\` processes on this machine copy the same ${r.objects} × ${r.objectBytes / MiB} MiB objects`,
    `(user 1 → user 2 on the Ceph RGW, so every byte streams through a worker; ${r.taskObjects} objects a task). Each worker is held to`,
    `${f(r.workerLimitBytes / MiB, 1)} MiB/s, as if each were a machine with that much network, so the figure shows what adding workers adds, not how fast this machine is.`,
    'Workers have empty homes of their own: they get the source secret sealed with the shared FERRY_SECRET_KEY and the destination secret from their environment.',
    '',
    '| workers | copying (s) | run (s) | MiB/s | of the workers\' limits | tasks per worker |',
    '|---:|---:|---:|---:|---:|---|',
    row(r.one),
    row(r.three),
    '',
    `**3 workers move ${f(r.ratio)}× what 1 worker moves** (target ≥ 2.5×: ${met ? 'met' : '**missed**'}).`,
    '"Copying" runs from the first task\'s start to the last task\'s end; "run" adds listing and the coordinator\'s start and finish.',
    'Up to 3× is possible because each worker is capped; what can cost some of it is the hand-over between tasks and the tail of the last tasks',
    '(one worker finishing while the others still copy), which is why the job has many more tasks than workers.',
    '',
    '### A global limit holds for all workers together',
    '',
    `The same data with 3 workers that have no limit of their own, under one job-wide \`ferry job create --bwlimit ${r.globalLimit}\`:`,
    'every worker draws from one token bucket in Redis, so the limit is the total, not a per-worker figure multiplied by the worker count.',
    '',
    '| workers | job --bwlimit | copying (s) | total MiB/s | of the limit | MiB/s per worker |',
    '|---:|---:|---:|---:|---:|---|',
    globalRow(r),
    '',
    'test/integration/distributed.test.ts checks the same loosely (30 MiB under `--bwlimit 3M` with 3 workers takes at least 8 s).',
    END,
  ].join('\n');
}

/** Replaces the marked section, or appends it: the rest of the document stays as it is. */
export function writeSection(docPath: string, section: string): void {
  const old = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  const next = a >= 0 && b > a ? `${old.slice(0, a)}${section}${old.slice(b + END.length)}` : `${old.replace(/\n*$/, '\n\n')}${section}\n`;
  writeFileSync(docPath, next);
}

/** Runs `write` (which rewrites the whole document) and puts the distributed section back, as it was, if it was there. */
export function keepDistributedSection(docPath: string | undefined, write: () => void): void {
  const old = docPath && existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  write();
  if (docPath && a >= 0 && b > a) writeSection(docPath, old.slice(a, b + END.length));
}

/** The benchmark on its own: its own buckets, deleted afterwards. */
export async function runDistributedAlone(repoRoot: string, docPath: string | undefined, log: (msg: string) => void): Promise<DistributedResult> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const server = loadS3Server();
  const s3 = new BenchS3(server);
  try {
    return await runDistributedBench({ repoRoot, server, s3, docPath, log });
  } finally {
    for (const failed of await s3.deleteAll()) log(`  could not delete ${failed}`);
    s3.destroy();
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  runDistributedAlone(repoRoot, loadConfig(repoRoot).docPath, (msg) => void process.stderr.write(`${msg}\n`)).catch((err: unknown) => {
    process.stderr.write(`distributed bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
