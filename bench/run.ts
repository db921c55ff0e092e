// Ferry vs rclone on the project's Ceph RGW: `npm run bench`.
//
//   (a) BENCH_SMALL (5,000) × 4 KiB bucket→bucket, streamed (user 1 → user 2)
//   (b) the same objects server-side (same user, two buckets)
//   (c) one BENCH_BIG_MIB (1,024) MiB object, streamed (user 1 → user 2)
//   (s) one 4 KiB object: the fixed start-up cost of a run (informational)
//   (d) a re-run over BENCH_RERUN (20,000) × 1 KiB unchanged objects that each
//       tool copied into its own destination first (that first copy is d0)
//
// Prints the tables to stdout (progress to stderr) and writes
// docs/benchmarks.md. See docs/benchmarks.md for the method.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, loadS3Server } from './config.js';
import { uploadDatasets } from './datasets.js';
import { cephCpuSampler, cephGcNow, describeMachine, machineCpuSampler } from './machine.js';
import { measure } from './measure.js';
import { markdown, misses, observations, ratios, ratiosTable, resultsTable, toRow } from './report.js';
import { BenchS3 } from './s3.js';
import { runFresh, runRerun, scenarios, type RunContext, type ScenarioResult } from './scenarios.js';
import { Ferry, Rclone } from './tools.js';

// The AWS SDK's once-per-process notice about Node < 22 (also silenced for Ferry's runs by inheritance).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

async function main(): Promise<void> {
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

    const ctx: RunContext = { cfg, s3, tools: { ferry, rclone }, log, afterBigDelete: cephGcNow,
      serverCpu: cephCpuSampler(),
      machineCpu: machineCpuSampler(),
    };
    const sc = scenarios(datasets);
    const results: ScenarioResult[] = [];
    for (const s of [sc.s, sc.a, sc.b, sc.c]) {
      log(`scenario (${s.id}) ${s.title}`);
      results.push(await runFresh(ctx, s));
    }
    log(`scenario (${sc.d.id}) ${sc.d.title}`);
    results.push(...(await runRerun(ctx, sc.d0, sc.d)));

    const rows = results.flatMap((r) => r.results.map((c) => toRow(r.scenario, c)));
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
    const obs = observations(rows, machine.cpuCount);
    if (obs.length) out.push(`Observations:\n${obs.map((m) => `  - ${m}`).join('\n')}`);
    process.stdout.write(`${out.join('\n')}\n`);

    const totalS = (performance.now() - t0) / 1000;
    if (cfg.docPath) {
      writeFileSync(
        cfg.docPath,
        markdown({
          date: new Date(),
          machine,
          cfg,
          datasets,
          results,
          rows,
          ratios: rs,
          rssFloorMiB: floor.maxRssKiB / 1024,
          totalS,
          repoRoot,
          ferryAddressExample: Ferry.addressExample(),
        }),
      );
      log(`wrote ${cfg.docPath}`);
    }
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
