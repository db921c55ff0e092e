import type { Command } from 'commander';
import { usageError } from '../../core/index.js';
import { queueTargetFrom, QUEUE_ENV } from '../../runners/bullmq/queue-url.js';
import { parseRate } from '../../util/index.js';
import type { CliContext } from '../cli-context.js';

const whole = (v: string | undefined, field: string, max: number, fallback: number): number => {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw usageError(field, `must be a whole number from 1 to ${max} (got ${JSON.stringify(v)})`);
  return Number(v);
};

/** `ferry worker --queue URL`: copies tasks that `ferry serve --queue URL` hands out, on any number of machines. */
export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('Copy tasks of distributed jobs from a Redis queue (start any number, anywhere; see docs/distributed.md).')
    .option('--queue <url>', `Redis of the coordinator, e.g. redis://HOST:6379/0 (default: $${QUEUE_ENV})`)
    .option('--concurrency <n>', 'objects in flight in this worker, shared by its tasks (default 32)')
    .option('--tasks <n>', 'tasks copied at once (default 1)')
    .option('--bwlimit <rate>', "this worker's own bandwidth limit, e.g. 50M, on top of each job's global --bwlimit")
    .option('--id <name>', 'name shown in ferry job status (default HOST:PID)')
    .action(async (flags: { queue?: string; concurrency?: string; tasks?: string; bwlimit?: string; id?: string }) => {
      const target = queueTargetFrom(flags.queue, ctx.env);
      if (!target) throw usageError('--queue', `is required (or set ${QUEUE_ENV}): the Redis URL the coordinator uses, e.g. redis://HOST:6379/0`);
      if (flags.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/.test(flags.id)) throw usageError('--id', 'letters, digits and . _ : @ - (at most 100)');
      const log = (line: string): void => void ctx.stderr.write(`${new Date().toISOString()} ${line}\n`);
      // Loaded here, not at start: BullMQ costs every other command a third of a second.
      const { QueueWorker } = await import('../../runners/bullmq/queue-worker.js');
      const worker = new QueueWorker({
        target,
        id: flags.id,
        concurrency: whole(flags.concurrency, '--concurrency', 4096, 32),
        tasks: whole(flags.tasks, '--tasks', 64, 1),
        bwlimit: flags.bwlimit === undefined ? undefined : parseRate(flags.bwlimit, '--bwlimit'),
        env: ctx.env,
        log,
      });
      await worker.start();
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (sig: NodeJS.Signals): void => {
          if (stopping) process.exit(sig === 'SIGINT' ? 130 : 143);
          stopping = true;
          log(`${sig}: finishing the task(s) in hand, then exiting (again to quit at once; the queue hands unfinished tasks to other workers)`);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await worker.close();
    });
}
