import type { Command } from 'commander';
import { usageError } from '../../core/index.js';
import { JobScheduler } from '../../jobs/job-scheduler.js';
import { openStore } from '../../stores/index.js';
import type { CliContext } from '../cli-context.js';
import { withJobs } from './job-context.js';

/** `ferry serve`: the long-running process that carries out scheduled and background jobs. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Run background and scheduled jobs (ferry job start --background, --every, --cron) until stopped.')
    .option('--max-jobs <n>', 'jobs run at once (default 4)')
    .action(async (flags: { maxJobs?: string }) => {
      const maxJobs = flags.maxJobs === undefined ? 4 : Number(flags.maxJobs);
      if (!Number.isInteger(maxJobs) || maxJobs < 1 || maxJobs > 64) {
        throw usageError('--max-jobs', 'must be a whole number from 1 to 64');
      }
      await withJobs(ctx, async (j) => {
        const log = (line: string): void => void ctx.stderr.write(`${new Date().toISOString()} ${line}\n`);
        const scheduler = new JobScheduler({ db: j.home.db, home: ctx.home, jobs: j.jobs, resolve: j.resolve, openStore, maxJobs, log });
        scheduler.start();
        log(`ferry serve: running jobs from ${ctx.home} (max ${maxJobs} at once); Ctrl-C pauses them and exits`);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            log('stopping: pausing running jobs');
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await scheduler.stop();
      });
    });
}
