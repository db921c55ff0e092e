import type { Command } from 'commander';
import { AddressRepository, resolveLocation } from '../../addresses/index.js';
import { usageError } from '../../core/index.js';
import { openHome } from '../../home/index.js';
import { describeSpec, openStore, type StoreSpec } from '../../stores/index.js';
import { providerQuirks } from '../../stores/s3/index.js';
import { formatBytes, parseDuration, parseRate } from '../../util/index.js';
import type { CliContext } from '../cli-context.js';

/**
 * `ferry plan LOC`: how much is there and how many workers a deadline needs,
 * before anything is copied.
 *
 * The default rate per worker is ossimport's own sizing assumption, one
 * machine at 100 Mbit/s, so its rule of thumb "one worker moves about 1 TB a
 * day" holds as is and a plan made here matches one made for ossimport.
 * Planning should be conservative; a measured rate goes in `--per-worker`.
 *
 * `--sample N` lists the first N objects only. S3 cannot count a bucket
 * without listing it, and the first N keys in key order are often one
 * folder, so extrapolating a total from them would be a guess presented as
 * a number. Instead the average size is reported and every count is marked
 * as a lower bound (as are workers computed from it).
 */

export const DEFAULT_PER_WORKER = '100Mbit/s';
const DAY_MS = 86_400_000;
/** ossimport's rule: workers = TB ÷ days ÷ (Mbit/s ÷ 100). */
export const WORKER_RULE = 'workers = ceil(TB ÷ days ÷ (Mbit/s ÷ 100))';

interface Tally {
  objects: number;
  bytes: number;
  archivedObjects: number;
  archivedBytes: number;
}

export interface PlanReport {
  location: string;
  /** False when `--sample` stopped the listing: counts are then lower bounds. */
  complete: boolean;
  sample?: number;
  objects: number;
  bytes: number;
  averageSize: number;
  /** Archive-class objects: a migration skips them until they are restored. */
  archived: { objects: number; bytes: number };
  toCopy: { objects: number; bytes: number };
  perWorker: { bytesPerSecond: number; mbitPerSecond: number };
  /** Time to copy `toCopy.bytes` on one worker at the per-worker rate. */
  oneWorkerSeconds: number;
  deadline?: { ms: number; days: number; workers: number; rule: string; computation: string };
}

export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .description('Count the objects and bytes under LOC and size a migration: time on one worker, workers for a deadline.')
    .argument('<loc>', 'address NAME, NAME:sub/prefix, or a local path (starts with / . or ~)')
    .option('--deadline <duration>', 'finish within this long (e.g. 7d, 36h): prints the workers needed')
    .option('--per-worker <rate>', `what one worker moves (default ${DEFAULT_PER_WORKER})`)
    .option('--sample <n>', 'list only the first N objects: average size, and counts as lower bounds')
    .option('--json', 'print one JSON object on stdout')
    .action(async (loc: string, flags: Record<string, unknown>) => {
      const bytesPerSecond = parseRate(stringFlag(flags.perWorker) ?? DEFAULT_PER_WORKER, '--per-worker');
      const deadlineText = stringFlag(flags.deadline);
      const deadlineMs = deadlineText === undefined ? undefined : parseDeadline(deadlineText);
      const sample = parseSample(stringFlag(flags.sample));
      const spec = resolveOne(ctx, loc);
      const { tally, complete } = await countObjects(ctx, spec, sample);
      const report = buildPlan({ location: describeSpec(spec), tally, complete, sample, bytesPerSecond, deadlineMs });
      ctx.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : formatPlan(report));
    });
}

function stringFlag(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseDeadline(text: string): number {
  const ms = parseDuration(text, '--deadline');
  if (ms <= 0) throw usageError('--deadline', 'must be longer than 0');
  return ms;
}

function parseSample(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
    throw usageError('--sample', `must be a whole number of at least 1 (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

function resolveOne(ctx: CliContext, loc: string): StoreSpec {
  const home = openHome(ctx.home, ctx.env);
  try {
    return resolveLocation(loc, new AddressRepository(home.db, home.secretBox), ctx.env, home.secretBox, { field: 'LOC' });
  } finally {
    home.close();
  }
}

async function countObjects(
  ctx: CliContext,
  spec: StoreSpec,
  sample: number | undefined,
): Promise<{ tally: Tally; complete: boolean }> {
  const archiveClasses = new Set(spec.type === 's3' ? providerQuirks(spec.provider).archiveClasses : []);
  const tally: Tally = { objects: 0, bytes: 0, archivedObjects: 0, archivedBytes: 0 };
  const ticker = progressLine(ctx, tally);
  const store = await openStore(spec, 'source');
  let complete = true;
  try {
    for await (const object of store.list()) {
      if (sample !== undefined && tally.objects >= sample) {
        complete = false;
        break;
      }
      tally.objects++;
      tally.bytes += object.size;
      if (object.storageClass !== undefined && archiveClasses.has(object.storageClass)) {
        tally.archivedObjects++;
        tally.archivedBytes += object.size;
      }
    }
  } finally {
    ticker.stop();
    await store.close();
  }
  return { tally, complete };
}

/** Listing a big bucket takes minutes: show it is moving, on a terminal only. */
function progressLine(ctx: CliContext, tally: Tally): { stop(): void } {
  if (!ctx.stderr.isTTY) return { stop() {} };
  let width = 0;
  const render = (): void => {
    const line = `listing: ${tally.objects.toLocaleString('en-US')} objects, ${formatBytes(tally.bytes)}`;
    ctx.stderr.write(`\r${line.padEnd(width)}`);
    width = line.length;
  };
  const timer = setInterval(render, 250);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (width > 0) ctx.stderr.write(`\r${' '.repeat(width)}\r`);
    },
  };
}

export interface PlanInput {
  location: string;
  tally: Tally;
  complete: boolean;
  sample?: number | undefined;
  bytesPerSecond: number;
  deadlineMs?: number | undefined;
}

export function buildPlan(input: PlanInput): PlanReport {
  const { tally, bytesPerSecond, deadlineMs } = input;
  const toCopy = { objects: tally.objects - tally.archivedObjects, bytes: tally.bytes - tally.archivedBytes };
  const mbitPerSecond = (bytesPerSecond * 8) / 1e6;
  const report: PlanReport = {
    location: input.location,
    complete: input.complete,
    ...(input.sample === undefined ? {} : { sample: input.sample }),
    objects: tally.objects,
    bytes: tally.bytes,
    averageSize: tally.objects > 0 ? tally.bytes / tally.objects : 0,
    archived: { objects: tally.archivedObjects, bytes: tally.archivedBytes },
    toCopy,
    perWorker: { bytesPerSecond, mbitPerSecond },
    oneWorkerSeconds: toCopy.bytes / bytesPerSecond,
  };
  if (deadlineMs !== undefined) {
    const days = deadlineMs / DAY_MS;
    const tb = toCopy.bytes / 1e12;
    const workers = workersNeeded(toCopy, deadlineMs, bytesPerSecond);
    const ratio = tb / days / (mbitPerSecond / 100);
    report.deadline = {
      ms: deadlineMs,
      days,
      workers,
      rule: WORKER_RULE,
      computation: `ceil(${num(tb)} TB ÷ ${num(days)} days ÷ (${num(mbitPerSecond)} ÷ 100)) = ceil(${num(ratio)}) = ${workers}`,
    };
  }
  return report;
}

/**
 * ossimport's rule in integers: TB/days/(Mbit/s/100) with TB = bytes/1e12,
 * days = ms/86.4e6 and Mbit/s = 8·B/s/1e6 is 1080·bytes / (ms · B/s). Done
 * in BigInt so an exact 3.0 never comes out as 3.0000000000000004 → 4.
 * Anything to copy needs at least one worker, even if it is all empty files.
 */
export function workersNeeded(toCopy: { objects: number; bytes: number }, deadlineMs: number, bytesPerSecond: number): number {
  const numerator = 1080n * BigInt(toCopy.bytes);
  const denominator = BigInt(deadlineMs) * BigInt(bytesPerSecond);
  const workers = Number((numerator + denominator - 1n) / denominator);
  return toCopy.objects > 0 ? Math.max(1, workers) : workers;
}

/** Four significant digits, without a trailing `.000`. */
function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

function formatPlan(r: PlanReport): string {
  const atLeast = r.complete ? '' : 'at least ';
  const count = (n: number): string => n.toLocaleString('en-US');
  const lines: [string, string][] = [
    ['location', r.location],
    ['objects', r.complete ? count(r.objects) : `at least ${count(r.objects)} (listed the first ${count(r.objects)}; the total is unknown)`],
    ['bytes', `${atLeast}${formatBytes(r.bytes)} (${count(r.bytes)} bytes)`],
    ['average', formatBytes(r.averageSize)],
    ['archived', `${atLeast}${count(r.archived.objects)} objects, ${formatBytes(r.archived.bytes)} (a migration skips them: restore them first)`],
    ['to copy', `${atLeast}${count(r.toCopy.objects)} objects, ${formatBytes(r.toCopy.bytes)}`],
    ['per worker', `${num(r.perWorker.mbitPerSecond)} Mbit/s (${formatBytes(r.perWorker.bytesPerSecond)}/s)`],
    ['one worker', `${atLeast}${formatDuration(r.oneWorkerSeconds)}`],
  ];
  if (r.deadline) {
    lines.push(['workers', `${atLeast}${r.deadline.workers} to finish within ${num(r.deadline.days)} days`]);
    lines.push(['', `${r.deadline.rule} = ${r.deadline.computation}`]);
  }
  return lines.map(([label, text]) => `${label.padEnd(11)}${text}`.trimEnd()).join('\n') + '\n';
}

/** `3d 4h 5m`, `12m 30s`, `45s`, `0.2s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 10) return `${num(Math.round(seconds * 10) / 10)}s`;
  const s = Math.round(seconds);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 3)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}
