// Ferry vs rclone on the project's Ceph RGW: `npm run bench`.
//
//   (s) one 4 KiB object: the fixed start-up cost of a run (informational)
//   (a) BENCH_SMALL (5,000) × 4 KiB bucket→bucket, streamed (user 1 → user 2)
//   (b) the same objects server-side (same user, two buckets)
//   (c) one BENCH_BIG_MIB (1,024) MiB object, streamed (user 1 → user 2)
//   (d) a re-run over BENCH_RERUN (20,000) × 1 KiB unchanged objects that each
//       tool copied into its own destination first (that first copy is d0)
//   then distributed mode, 1 worker vs 3 (bench/distributed.ts; BENCH_DISTRIBUTED=0 skips it)
//
// Prints the tables to stdout (progress to stderr), writes docs/benchmarks.md
// and the raw measurements to bench/results/last-run.json.
// BENCH_FROM=<raw json> re-renders the tables and the doc from saved
// measurements without running anything. See docs/benchmarks.md for the method.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, loadS3Server, type BenchConfig } from './config.js';
import { uploadDatasets, type Datasets } from './datasets.js';
import { cephCpuSampler, cephGcNow, describeMachine, machineCpuSampler, waitForQuiet, type Machine } from './machine.js';
import { measure } from './measure.js';
import { markdown, misses, observations, ratios, ratiosTable, resultsTable, toRow } from './report.js';
import { BenchS3 } from './s3.js';
import { runFresh, runRerun, scenarios, type RunContext, type ScenarioResult } from './scenarios.js';
import { Ferry, Rclone } from './tools.js';
import { keepDistributedSection, runDistributedAlone } from './distributed.js';

// The AWS SDK's once-per-process notice about Node < 22 (also silenced for Ferry's runs by inheritance).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

/** Everything the report is made of; saved so it can be re-rendered. */
interface RawRun {
  date: string;
  machine: Machine;
  cfg: BenchConfig;
  datasets: Datasets;
  results: ScenarioResult[];
  rssFloorMiB: number;
  totalS: number;
}

function rawPath(): string | undefined {
  const p = process.env.BENCH_RAW;
  return p === undefined ? join(repoRoot, 'bench', 'results', 'last-run.json') : p === '' ? undefined : p;
}

async function measureAll(): Promise<RawRun> {
  const t0 = performance.now();
  const cfg = loadConfig(repoRoot);
  const server = loadS3Server();
  if (!existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))) throw new Error('Ferry is not built: run `npm run build` (npm run bench does)');

  const s3 = new BenchS3(server);
  const ferry = new Ferry(repoRoot, server, cfg);
  const rclone = new Rclone(server, cfg);
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    log('cleaning up: deleting the benchmark buckets');
    const failed = await s3.deleteAll();
    for (const f of failed) log(`  could not delete ${f}`);
    cephGcNow();
    ferry.dispose();
    s3.destroy();
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const leftovers = await s3.deleteLeftovers();
    if (leftovers.length) log(`deleted ${leftovers.length} bucket(s) left by an earlier, aborted benchmark run`);

    const machine = describeMachine(repoRoot, rclone.version(), ferry.version());
    log(`machine: ${machine.cpuCount} × ${machine.cpuModel}, node ${machine.node}, ${machine.rclone}, ${machine.ceph}`);
    log(
      `sizes: small ${cfg.smallCount} × ${cfg.smallSize} B, rerun ${cfg.rerunCount} × ${cfg.rerunSize} B, big ${cfg.bigBytes / 2 ** 20} MiB; ` +
        `repeat ${cfg.repeat}; concurrency ${cfg.concurrency} for both tools (rclone --transfers ${cfg.concurrency} --checkers ${cfg.concurrency}); ` +
        `big object: ${cfg.partSize / 2 ** 20} MiB parts, ${cfg.partConcurrency} in flight (Ferry --part-size/--part-concurrency, rclone --s3-chunk-size/--s3-upload-concurrency)`,
    );
    const floor = await measure(['true'], { env: process.env });
    log(`uploading datasets to ${server.endpoint} (run id ${s3.runId})`);
    const datasets = await uploadDatasets(s3, cfg, log);

    const machineCpu = machineCpuSampler();
    const ctx: RunContext = {
      cfg,
      s3,
      tools: { ferry, rclone },
      log,
      afterBigDelete: cephGcNow,
      serverCpu: cephCpuSampler(),
      machineCpu,
      cpuCount: machine.cpuCount,
      waitQuiet: machineCpu && cfg.quietMaxS > 0 ? () => waitForQuiet(machineCpu, machine.cpuCount, cfg.quietMaxS, log) : undefined,
    };
    const sc = scenarios(datasets);
    const results: ScenarioResult[] = [];
    for (const s of [sc.s, sc.a, sc.b, sc.c]) {
      log(`scenario (${s.id}) ${s.title}`);
      results.push(await runFresh(ctx, s));
    }
    log(`scenario (${sc.d.id}) ${sc.d.title}`);
    results.push(...(await runRerun(ctx, sc.d0, sc.d)));
    return {
      date: new Date().toISOString(),
      machine,
      cfg,
      datasets,
      results,
      rssFloorMiB: floor.maxRssKiB / 1024,
      totalS: (performance.now() - t0) / 1000,
    };
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** The raw data without the tools' logs (kept small; the logs only matter when a run fails). */
function stripLogs(raw: RawRun): RawRun {
  return {
    ...raw,
    results: raw.results.map((r) => ({
      ...r,
      results: r.results.map((c) => ({ ...c, runs: c.runs.map((m) => ({ ...m, stdout: '', stderr: '' })) })),
    })),
  };
}

function render(raw: RawRun): void {
  const { cfg, machine } = raw;
  const rows = raw.results.flatMap((r) => r.results.map((c) => toRow(r.scenario, c)));
  const rs = ratios(rows);
  const out = [
    '',
    `Ferry vs rclone — concurrency ${cfg.concurrency} (rclone --transfers ${cfg.concurrency} --checkers ${cfg.concurrency}), ` +
      `big object ${cfg.partSize / 2 ** 20} MiB parts × ${cfg.partConcurrency} in flight, median of ${cfg.repeat} run(s)`,
    '',
    resultsTable(rows),
    '',
    ratiosTable(rs),
    '',
  ];
  const missed = misses(rs, rows);
  out.push(missed.length ? `Missed targets:\n${missed.map((m) => `  - ${m}`).join('\n')}` : 'Every target met.');
  const obs = observations(rows, machine.cpuCount, cfg.disturbedShare);
  if (obs.length) out.push(`Observations:\n${obs.map((m) => `  - ${m}`).join('\n')}`);
  process.stdout.write(`${out.join('\n')}\n`);

  if (cfg.docPath) {
    writeFileSync(
      cfg.docPath,
      markdown({
        date: new Date(raw.date),
        machine,
        cfg,
        datasets: raw.datasets,
        results: raw.results,
        rows,
        ratios: rs,
        rssFloorMiB: raw.rssFloorMiB,
        totalS: raw.totalS,
        repoRoot,
        ferryAddressExample: Ferry.addressExample(),
      }),
    );
    log(`wrote ${cfg.docPath}`);
  }
}

async function main(): Promise<void> {
  const from = process.env.BENCH_FROM;
  if (from) {
    const raw = JSON.parse(readFileSync(from, 'utf8')) as RawRun;
    // The output file is this invocation's choice, not the saved run's.
    raw.cfg.docPath = loadConfig(repoRoot).docPath;
    keepDistributedSection(raw.cfg.docPath, () => render(raw));
    return;
  }
  const raw = await measureAll();
  const path = rawPath();
  if (path) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(stripLogs(raw), null, 1)}\n`);
    log(`wrote ${path}`);
  }
  keepDistributedSection(raw.cfg.docPath, () => render(raw));
  // Distributed mode (1 worker vs 3): its own section of the same document.
  if (process.env.BENCH_DISTRIBUTED !== '0') await runDistributedAlone(repoRoot, raw.cfg.docPath, log);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
