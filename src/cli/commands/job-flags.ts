import type { Command } from 'commander';
import { usageError } from '../../core/index.js';
import { parseRateSchedule } from '../../engine/throttle/index.js';
import { parseCron } from '../../jobs/cron.js';
import type { JobSpec, JobSpecInput } from '../../jobs/job-spec.js';
import { parseDuration, parseSize } from '../../util/index.js';
import { copyOptionsFromFlags } from './copy-flags.js';

/** Flags of `ferry job create` and `ferry job set` beyond those of `ferry copy`. */
export function addJobFlags(cmd: Command): Command {
  return cmd
    .option('--task-objects <n>', 'objects per task (ossimport taskObjectCountLimit, default 10000)')
    .option('--task-size <size>', 'bytes per task (ossimport taskObjectSizeLimit, default 1GiB)')
    .option('--list-concurrency <n>', 'prefixes listed in parallel (default 4)')
    .option('--list-depth <n>', 'levels listed one at a time to find prefixes (default 1)')
    .option('--bwlimit <limit>', 'bandwidth, e.g. 10M, or by time of day: "00:00,100M 08:00,10M 20:00,100M"')
    .option('--max-qps <limit>', 'objects per second, flat or by time of day like --bwlimit')
    .option('--every <duration>', 'repeat: a full run, then every DURATION one with objects changed since the last (e.g. 1h)')
    .option('--times <n>', 'with --every: number of runs in all')
    .option('--cron <expr>', 'repeat on a cron schedule (5 fields), each run incremental')
    .option('--report-prefix <prefix>', 'also upload each run\'s reports to the destination under this prefix');
}

const int = (v: unknown, field: string, min: number, max: number): number => {
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw usageError(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(s)})`);
  return Number(s);
};

/**
 * The job spec parts given on a command line. With `base`, only the flags
 * given change it (`ferry job set`); every value is checked with the flag's
 * name in the error.
 */
export function jobSpecFromFlags(flags: Record<string, unknown>, base?: JobSpec): Omit<JobSpecInput, 'name' | 'src' | 'dst'> {
  const given = (k: string): boolean => flags[k] !== undefined;
  const opts = copyOptionsFromFlags(flags);
  const copy = { ...(base?.copy ?? {}) } as NonNullable<JobSpecInput['copy']> & Record<string, unknown>;
  if (!base || given('overwrite')) copy.overwrite = opts.overwrite;
  if (given('since')) copy.sinceMs = opts.sinceMs;
  if (given('include')) copy.include = flags.include as string[];
  if (given('exclude')) copy.exclude = flags.exclude as string[];
  if (given('concurrency')) copy.concurrency = opts.concurrency;
  if (given('multipartThreshold')) copy.multipartThreshold = opts.multipartThreshold;
  if (given('partSize')) copy.partSize = opts.partSize;
  if (given('partConcurrency')) copy.partConcurrency = opts.partConcurrency;
  if (flags.serverSideCopy === false) copy.serverSideCopy = false;
  if (given('retries')) copy.attempts = opts.attempts;
  if (given('storageClass')) copy.storageClass = opts.storageClass;

  const tasks = { ...(base?.tasks ?? {}) } as NonNullable<JobSpecInput['tasks']>;
  if (given('taskObjects')) tasks.maxObjects = int(flags.taskObjects, '--task-objects', 1, 10_000_000);
  if (given('taskSize')) {
    tasks.maxBytes = parseSize(String(flags.taskSize), '--task-size');
    // Checked here so the error names this flag, not the spec's `maxBytes`.
    if (tasks.maxBytes < 1) throw usageError('--task-size', 'must be at least 1 byte');
  }
  if (given('listConcurrency')) tasks.listConcurrency = int(flags.listConcurrency, '--list-concurrency', 1, 64);
  if (given('listDepth')) tasks.listDepth = int(flags.listDepth, '--list-depth', 0, 8);

  const throttle = { ...(base?.throttle ?? {}) };
  // Parsed now so a bad table fails here, naming the flag, not in the running job.
  if (given('bwlimit')) {
    const v = String(flags.bwlimit);
    if (v === 'off') delete throttle.bwlimit;
    else throttle.bwlimit = (parseRateSchedule(v, '--bwlimit', 'bytes'), v);
  }
  if (given('maxQps')) {
    const v = String(flags.maxQps);
    if (v === 'off') delete throttle.maxQps;
    else throttle.maxQps = (parseRateSchedule(v, '--max-qps', 'objects'), v);
  }

  let schedule = base?.schedule;
  if (given('every') || given('times')) {
    if (!given('every')) throw usageError('--times', 'needs --every');
    if (given('cron')) throw usageError('--cron', 'cannot be combined with --every');
    const every = parseDuration(String(flags.every), '--every');
    if (every < 60_000) throw usageError('--every', 'must be at least 1m');
    schedule = { every, times: given('times') ? int(flags.times, '--times', 1, 1_000_000) : 1_000_000 };
  } else if (given('cron')) {
    const cron = String(flags.cron).trim();
    parseCron(cron, '--cron');
    schedule = { cron };
  }
  const reportPrefix = given('reportPrefix') ? String(flags.reportPrefix) : base?.reportPrefix;
  return { copy, tasks, throttle, schedule, reportPrefix };
}
