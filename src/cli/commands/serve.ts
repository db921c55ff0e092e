import type { Command } from 'commander';
import { usageError } from '../../core/index.js';
import { JobScheduler } from '../../jobs/job-scheduler.js';
import { SECRET_KEY_ENV } from '../../home/index.js';
import { queueTargetFrom, QUEUE_ENV } from '../../runners/bullmq/queue-url.js';
import { sealSpec, secretEnvOf, sharedSecretBox } from '../../runners/bullmq/spec-sealing.js';
import type { CoordinatorExecutor } from '../../runners/bullmq/coordinator-executor.js';
import { openStore } from '../../stores/index.js';
import { DEFAULT_LISTEN, parseListen, TOKEN_ENV } from '../../api/index.js';
import { serveConsole } from '../../api/serve-console.js';
import type { CliContext } from '../cli-context.js';
import { withJobs } from './job-context.js';

/** `ferry serve`: the long-running process that carries out scheduled and background jobs. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Run background and scheduled jobs (ferry job start --background, --every, --cron) until stopped, with the web console and REST API.')
    .option('--max-jobs <n>', 'jobs run at once (default 4)')
    .option('--listen <host:port>', `web console and REST API address (default ${DEFAULT_LISTEN}; 0.0.0.0:PORT for every interface)`)
    .option('--token <token>', `API and console token (default: $${TOKEN_ENV}, else the one generated and printed at the first start)`)
    .option('--new-token', 'generate a new token (the old one stops working) and print it once')
    .option('--no-api', 'run jobs only: no web console or REST API')
    .option('--queue <url>', `distributed mode: hand tasks to ferry workers through this Redis, e.g. redis://HOST:6379/0 (default: $${QUEUE_ENV} if set)`)
    .option('--max-waiting <n>', 'with --queue: tasks kept waiting in the queue (default: twice the live workers\' task slots, at least 4)')
    .action(async (flags: { maxJobs?: string; queue?: string; maxWaiting?: string; listen?: string; token?: string; newToken?: boolean; api?: boolean }) => {
      const maxJobs = flags.maxJobs === undefined ? 4 : Number(flags.maxJobs);
      if (!Number.isInteger(maxJobs) || maxJobs < 1 || maxJobs > 64) {
        throw usageError('--max-jobs', 'must be a whole number from 1 to 64');
      }
      const maxWaiting = flags.maxWaiting === undefined ? undefined : Number(flags.maxWaiting);
      if (maxWaiting !== undefined && (!Number.isInteger(maxWaiting) || maxWaiting < 1 || maxWaiting > 10_000)) {
        throw usageError('--max-waiting', 'must be a whole number from 1 to 10000');
      }
      const target = queueTargetFrom(flags.queue, ctx.env);
      if (!target && maxWaiting !== undefined) throw usageError('--max-waiting', 'needs --queue');
      const api = flags.api !== false;
      if (!api && (flags.listen !== undefined || flags.token !== undefined || flags.newToken)) {
        throw usageError(flags.listen !== undefined ? '--listen' : flags.token !== undefined ? '--token' : '--new-token', 'cannot be used with --no-api');
      }
      const listen = parseListen(flags.listen ?? DEFAULT_LISTEN);
      await withJobs(ctx, async (j) => {
        const log = (line: string): void => void ctx.stderr.write(`${new Date().toISOString()} ${line}\n`);
        const box = sharedSecretBox(ctx.env);
        let executor: CoordinatorExecutor | undefined;
        if (target) {
          // Loaded only here: BullMQ costs every other command a third of a second at start.
          const { CoordinatorExecutor } = await import('../../runners/bullmq/coordinator-executor.js');
          executor = new CoordinatorExecutor({ target, maxWaiting, log, seal: (spec, location) => sealSpec(spec, { secretEnv: secretEnvOf(location, j.addresses), box }) });
          await executor.start();
          if (!box) log(`note: ${SECRET_KEY_ENV} is not set: only jobs whose secrets come from environment variables (--secret-env) can be handed to workers`);
        }
        const scheduler = new JobScheduler({ db: j.home.db, home: ctx.home, jobs: j.jobs, resolve: j.resolve, openStore, maxJobs, log, executor });
        // The port first: one in use ends the command before any job starts.
        const server = api
          ? await serveConsole({ listen, home: j.home, jobs: j.jobs, addresses: j.addresses, scheduler, env: ctx.env, token: flags.token, newToken: flags.newToken, stdout: ctx.stdout, log })
          : undefined;
        scheduler.start();
        log(`ferry serve: running jobs from ${ctx.home} (max ${maxJobs} at once${executor ? ', tasks copied by queue workers' : ''}); Ctrl-C pauses them and exits`);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            log('stopping: pausing running jobs');
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server?.close();
        await scheduler.stop();
        await executor?.close();
      });
    });
}
