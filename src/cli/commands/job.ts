import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import { assertNoOverlap } from '../../addresses/index.js';
import { FerryError, usageError } from '../../core/index.js';
import { Progress } from '../../engine/index.js';
import { nextCronTime, parseCron } from '../../jobs/cron.js';
import { configText, parseOssimportJob } from '../../jobs/ossimport/index.js';
import { jobDir, runDir } from '../../jobs/job-paths.js';
import { runJob, type RunJobResult } from '../../jobs/job-runner.js';
import { ACTIVE_STATES } from '../../jobs/job-state.js';
import { isJobAlive } from '../../jobs/job-owner.js';
import { REPORT_FORMATS, REPORT_KINDS, streamReport, type ReportFormat, type ReportKind } from '../../jobs/reports/index.js';
import { reportOnRunEnd } from '../../jobs/run-end.js';
import { openStore } from '../../stores/index.js';
import type { CliContext } from '../cli-context.js';
import { EXIT_PARTIAL } from '../exit-codes.js';
import { ProgressBar } from '../progress-bar.js';
import { addCopyFlags } from './copy.js';
import { withJobs, type JobCommandContext } from './job-context.js';
import { addJobFlags, jobSpecFromFlags } from './job-flags.js';
import { jobStatus, renderStatus, workersOf } from './job-status-view.js';
import { queueTargetFrom, QUEUE_ENV } from '../../runners/bullmq/queue-url.js';
import { RedisLink } from '../../runners/bullmq/redis-link.js';

type Flags = Record<string, unknown>;

/** `ferry job create|start|pause|resume|stop|retry|delete|status|list|set|report`. */
export function registerJobCommands(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const job = program.command('job').description('Durable, resumable migration jobs (state in the Ferry home).');

  addJobFlags(addCopyFlags(job.command('create').description('Create a job.').argument('<name>', 'job name')))
    .requiredOption('--src <location>', 'source: address NAME, NAME:sub/prefix, or a local path')
    .requiredOption('--dst <location>', 'destination, same forms')
    .action(async (name: string, flags: Flags) => {
      await withJobs(ctx, (j) => {
        // Resolving now refuses unknown addresses, and a destination inside the source, before the job exists.
        assertNoOverlap(j.resolve(String(flags.src), 'SRC'), j.resolve(String(flags.dst), 'DST'));
        const created = j.jobs.create({ name, src: String(flags.src), dst: String(flags.dst), ...jobSpecFromFlags(flags) });
        const schedule = created.spec.schedule;
        // `ferry serve` starts an --every job at once and a --cron job at its next time.
        if (schedule) j.jobs.setState(name, 'created', { nextRunAt: 'every' in schedule ? Date.now() : (nextCronTime(parseCron(schedule.cron), Date.now()) ?? null) });
        ctx.stdout.write(`created job "${created.name}": ${created.spec.src} -> ${created.spec.dst}\n`);
      });
    });

  job
    .command('import')
    .description('Create a job (and its two addresses) from an ossimport job.cfg.')
    .argument('<job.cfg>', 'ossimport job configuration')
    .option('--sys <file>', 'ossimport sys.properties (threads, throughput, multipart sizes)')
    .option('--name <name>', 'job name (default: ossimport)', 'ossimport')
    .action(async (file: string, flags: Flags) => {
      const name = String(flags.name);
      const read = async (path: string, field: string, label: string): Promise<string> => {
        let bytes: Buffer;
        try {
          bytes = await readFile(path);
        } catch (err) {
          throw usageError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        return configText(bytes, label);
      };
      const parsed = parseOssimportJob(
        await read(file, 'job.cfg', 'job.cfg'),
        flags.sys ? await read(String(flags.sys), '--sys', 'sys.properties') : undefined,
        name,
      );
      await withJobs(ctx, (j) => {
        const srcName = `${name}-src`;
        const dstName = `${name}-dst`;
        // One transaction: a refused job leaves no half-made addresses behind.
        j.home.db.transaction(() => {
          j.addresses.add({ ...parsed.src, name: srcName });
          j.addresses.add({ ...parsed.dst, name: dstName });
          j.jobs.create({ ...parsed.job, name, src: srcName, dst: dstName });
        })();
        for (const w of parsed.warnings) ctx.stderr.write(`warning: ${w}\n`);
        ctx.stdout.write(`imported job "${name}": ${srcName} -> ${dstName} (addresses created; secrets stored encrypted)\n`);
      });
    });

  const runFlags = (cmd: Command): Command => cmd.argument('<name>', 'job name').option('--json', 'print the final status as JSON').option('--no-progress', 'no progress bar');
  runFlags(job.command('start').description('Run the job in the foreground (resumes an unfinished run). Ctrl-C pauses.'))
    .option('--background', 'leave it to `ferry serve` instead of running it here')
    .action(async (name: string, flags: Flags) => {
      if (flags.background) return void (await queue(ctx, name));
      setExit(await foreground(ctx, name, 'start', flags));
    });
  runFlags(job.command('resume').description('Continue a paused or interrupted run in the foreground.'))
    .option('--background', 'leave it to `ferry serve` instead of running it here')
    .action(async (name: string, flags: Flags) => {
      if (flags.background) return void (await queue(ctx, name));
      setExit(await foreground(ctx, name, 'start', flags));
    });
  runFlags(job.command('retry').description('Run again only the objects that failed in the last run.')).action(
    async (name: string, flags: Flags) => setExit(await foreground(ctx, name, 'retry', flags)),
  );

  job
    .command('pause')
    .argument('<name>')
    .description('Pause a running job (from any terminal); resume continues where it stopped.')
    .action(async (name: string) => requestEnd(ctx, name, 'pause'));
  job
    .command('stop')
    .argument('<name>')
    .description('End the current run; the next start begins a new run.')
    .action(async (name: string) => requestEnd(ctx, name, 'stop'));

  job
    .command('delete')
    .argument('<name>')
    .description('Delete the job, its history and reports. Never touches any data in any store.')
    .action(async (name: string) => {
      await withJobs(ctx, async (j) => {
        const row = j.jobs.get(name);
        if (isAlive(row)) throw new FerryError('USAGE', `job "${name}" is running (${row.owner}): pause or stop it first`, { fatal: true, field: 'NAME' });
        j.jobs.delete(name);
        await rm(jobDir(ctx.home, name), { recursive: true, force: true });
        ctx.stdout.write(`deleted job "${name}"\n`);
      });
    });

  job
    .command('status')
    .argument('<name>')
    .option('--json', 'machine-readable')
    .option('--watch', 'refresh every second until the run ends')
    .option('--queue <url>', `distributed mode: also show the workers on this Redis (default: $${QUEUE_ENV} if set)`)
    .description('State, listing, tasks, objects and bytes done, rate, ETA, run history; with --queue, the workers.')
    .action(async (name: string, flags: Flags) => {
      const target = queueTargetFrom(flags.queue === undefined ? undefined : String(flags.queue), ctx.env);
      const link = target ? new RedisLink(target) : undefined;
      try {
        for (;;) {
          const s = await withJobs(ctx, (j) => jobStatus(j.home.db, j.jobs, j.jobs.get(name)));
          if (link) s.workers = await workersOf(link, target!);
          const out = flags.json ? `${JSON.stringify(s)}\n` : renderStatus(s);
          ctx.stdout.write(flags.watch && ctx.stdout.isTTY ? `\x1b[2J\x1b[H${out}` : out);
          if (!flags.watch || !ACTIVE_STATES.has(s.state as never)) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      } finally {
        link?.close();
      }
    });

  job
    .command('list')
    .option('--json', 'machine-readable')
    .description('All jobs with state and progress.')
    .action(async (flags: Flags) => {
      await withJobs(ctx, (j) => {
        const all = j.jobs.list().map((row) => jobStatus(j.home.db, j.jobs, row));
        if (flags.json) return void ctx.stdout.write(`${JSON.stringify(all)}\n`);
        if (all.length === 0) return void ctx.stdout.write('no jobs yet (see ferry job create --help)\n');
        for (const s of all) {
          const c = s.run?.counts;
          ctx.stdout.write(`${s.name}\t${s.state}\t${c ? `${c.migrated}/${c.toCopy} migrated, ${c.failed} failed` : '-'}\t${s.src} -> ${s.dst}\n`);
        }
      });
    });

  addJobFlags(addCopyFlags(job.command('set').description('Change options of a job, also while it runs (throttle applies at once).').argument('<name>')))
    .action(async (name: string, flags: Flags) => {
      await withJobs(ctx, (j) => {
        const row = j.jobs.get(name);
        // --server-side-copy defaults to true in commander; only its --no- form is a change.
        const given = Object.keys(flags).filter((k) => flags[k] !== undefined && !(k === 'serverSideCopy' && flags[k] === true));
        if (given.length === 0) throw usageError('OPTIONS', 'nothing to change: give at least one option');
        const next = { ...row.spec, ...jobSpecFromFlags(flags, row.spec) };
        j.jobs.updateSpec(name, next as typeof row.spec);
        ctx.stdout.write(`updated job "${name}"${isAlive(row) ? ' (the running process picks it up within a second)' : ''}\n`);
      });
    });

  job
    .command('report')
    .argument('<name>')
    .option('--run <n>', 'run number (default: the latest)')
    .option('--kind <kind>', `${REPORT_KINDS.join(' | ')}`, 'failed')
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')}`, 'csv')
    .option('--out <file>', 'write to this file instead of stdout')
    .description('Print or save a run\'s list of migrated, skipped or failed objects.')
    .action(async (name: string, flags: Flags) => {
      const kind = String(flags.kind);
      const format = String(flags.format);
      if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw usageError('--kind', `must be one of ${REPORT_KINDS.join(', ')}`);
      if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw usageError('--format', `must be one of ${REPORT_FORMATS.join(', ')}`);
      await withJobs(ctx, async (j) => {
        const row = j.jobs.get(name);
        const run = flags.run === undefined ? row.currentRun : Number(flags.run);
        if (run === null || !Number.isInteger(run)) throw usageError('--run', row.currentRun === null ? `job "${name}" has not run yet` : 'must be a run number');
        j.jobs.getRun(name, run);
        const out = flags.out ? createWriteStream(String(flags.out)) : ctx.stdout;
        const n = await streamReport(j.home.db, name, run, kind as ReportKind, format as ReportFormat, out as NodeJS.WritableStream as never);
        if (flags.out) {
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, 'close');
          ctx.stderr.write(`wrote ${n} row(s) to ${String(flags.out)}\n`);
        }
      });
    });
}

const isAlive = isJobAlive;

/** Marks a job for `ferry serve` to run in the background. */
async function queue(ctx: CliContext, name: string): Promise<void> {
  await withJobs(ctx, (j) => {
    const row = j.jobs.get(name);
    if (isAlive(row)) throw new FerryError('USAGE', `job "${name}" is already running (${row.owner})`, { fatal: true, field: 'NAME' });
    j.jobs.setState(name, 'queued', { desired: null });
    ctx.stdout.write(`job "${name}" queued: ferry serve runs it (see ferry job status ${name})\n`);
  });
}

/** Pause or stop: asks the running process through the database and waits for it; marks an idle job directly. */
async function requestEnd(ctx: CliContext, name: string, what: 'pause' | 'stop'): Promise<void> {
  const alive = await withJobs(ctx, (j) => {
    const row = j.jobs.get(name);
    if (isAlive(row)) {
      j.jobs.setDesired(name, what);
      return true;
    }
    const target = what === 'pause' ? 'paused' : 'stopped';
    if (row.currentRun !== null) {
      const run = j.jobs.getRun(name, row.currentRun);
      if (!['succeeded', 'failed', 'stopped'].includes(run.state)) j.jobs.setRunState(name, run.number, target, { ended: what === 'stop' });
    }
    j.jobs.setState(name, target, { desired: null, nextRunAt: null });
    return false;
  });
  if (!alive) return void ctx.stdout.write(`job "${name}" ${what === 'pause' ? 'paused' : 'stopped'}\n`);
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const state = await withJobs(ctx, (j) => j.jobs.get(name));
    if (!isAlive(state)) return void ctx.stdout.write(`job "${name}" ${state.state}\n`);
  }
  ctx.stdout.write(`asked job "${name}" to ${what}; it is still finishing in-flight objects (see ferry job status)\n`);
}

/** Runs a job in this process with a progress bar; Ctrl-C pauses it cleanly. */
async function foreground(ctx: CliContext, name: string, mode: 'start' | 'retry', flags: Flags): Promise<number> {
  return withJobs(ctx, async (j: JobCommandContext) => {
    const abort = new AbortController();
    const onSigint = (): void => {
      ctx.stderr.write('\npausing: finishing in-flight objects (Ctrl-C again to quit at once)\n');
      abort.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigint);
    const progress = new Progress();
    const bar = new ProgressBar(progress, ctx.stderr);
    if (flags.progress !== false && !flags.json) bar.start();
    let result: RunJobResult;
    try {
      result = await runJob({
        db: j.home.db,
        home: ctx.home,
        name,
        mode,
        resolve: j.resolve,
        openStore,
        signal: abort.signal,
        progress,
        log: (line) => {
          if (!flags.json) ctx.stderr.write(`${line}\n`);
        },
        onRunEnd: reportOnRunEnd({ db: j.home.db, home: ctx.home, jobs: j.jobs, resolve: j.resolve, openStore }),
      });
    } finally {
      bar.stop();
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigint);
    }
    const status = jobStatus(j.home.db, j.jobs, j.jobs.get(name));
    ctx.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : renderStatus(status));
    if (!flags.json && (result.state === 'succeeded' || result.state === 'failed')) {
      ctx.stdout.write(`  reports: ${runDir(ctx.home, name, result.run.number)}\n`);
    }
    return result.state === 'failed' ? EXIT_PARTIAL : 0;
  });
}
