import type { Command } from 'commander';
import { assertNoOverlap } from '../../addresses/index.js';
import { describeError, usageError } from '../../core/index.js';
import { Progress, runCopy, SKIP_REASON_TEXT, type CopyEvent, type CopySummary } from '../../engine/index.js';
import { isWritable, openStore, type StoreSpec } from '../../stores/index.js';
import { providerQuirks } from '../../stores/s3/index.js';
import { formatBytes } from '../../util/index.js';
import type { CliContext } from '../cli-context.js';
import { resolvePair } from '../resolve-pair.js';
import { EXIT_PARTIAL } from '../exit-codes.js';
import { ProgressBar } from '../progress-bar.js';
import { copyOptionsFromFlags, listConcurrencyFrom } from './copy-flags.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Keys listed by a JSON dry run; a larger plan is only counted. */
const MAX_DRY_RUN_KEYS = 10_000;

/** Adds the flags shared by `ferry copy` and `ferry job create`. */
export function addCopyFlags(cmd: Command): Command {
  return cmd
    .option('--overwrite <policy>', 'never | always | newer | different (default: missing, size or checksum differs)')
    .option('--since <time>', 'only objects modified at or after this time (unix s, ms, or ISO-8601)')
    .option('--include <glob>', 'only keys matching this glob (repeatable; * stays in a folder, ** crosses)', collect)
    .option('--exclude <glob>', 'skip keys matching this glob (repeatable; wins over --include)', collect)
    .option('--concurrency <n>', 'objects in flight at once (default 32)')
    .option('--multipart-threshold <size>', 'objects this large or larger go multipart (default 64MiB)')
    .option('--part-size <size>', 'multipart part size (default 16MiB, raised to fit the part limit)')
    .option('--part-concurrency <n>', 'parts in flight per object (default 4)')
    .option('--no-server-side-copy', 'always stream through this machine, even within one server')
    .option('--storage-class <class>', 'storage class of new destination objects')
    .option('--retries <n>', 'retries per object or part on retryable errors (default 10)');
}

export function registerCopyCommand(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  addCopyFlags(
    program
      .command('copy')
      .description('Copy every object under SRC to DST, verified. SRC/DST: NAME, NAME:sub/prefix, or a local path.')
      .argument('<src>', 'source: address NAME, NAME:sub/prefix, or a local path (starts with / . or ~)')
      .argument('<dst>', 'destination, same forms'),
  )
    .option('--list-concurrency <n>', 'listings in flight: sub-prefixes listed in parallel (default 8; 1 lists in one pass)')
    .option('--dry-run', 'list what would be copied; change nothing')
    .option('--json', 'print one JSON summary object on stdout')
    .option('--no-progress', 'no progress bar even on a terminal')
    .action(async (srcArg: string, dstArg: string, flags: Record<string, unknown>) => {
      const options = copyOptionsFromFlags(flags);
      options.listConcurrency = listConcurrencyFrom(flags.listConcurrency);
      const json = flags.json === true;
      const { src: srcSpec, dst: dstSpec } = resolvePair(ctx, srcArg, dstArg, ['SRC', 'DST']);
      assertNoOverlap(srcSpec, dstSpec);
      const src = await openStore(srcSpec, 'source');
      const dst = await openStore(dstSpec, 'destination');
      try {
        if (!isWritable(dst)) throw usageError('DST', `${dst.description} is read-only`);
        const progress = new Progress();
        const bar = new ProgressBar(progress, ctx.stderr);
        if (flags.progress !== false && !json) bar.start();
        const planned: { key: string; size: number; reason: string }[] = [];
        const onEvent = (e: CopyEvent): void => {
          if (e.type !== 'would-copy') return;
          if (json) {
            if (planned.length < MAX_DRY_RUN_KEYS) planned.push({ key: e.object.key, size: e.object.size, reason: e.reason });
          } else ctx.stdout.write(`would copy ${e.object.key} (${formatBytes(e.object.size)}, ${e.reason})\n`);
        };
        let summary: CopySummary;
        try {
          summary = await runCopy({ src, dst: dst, options, progress, onEvent, archiveClasses: archiveClassesOf(srcSpec) });
        } finally {
          bar.stop();
        }
        if (json) {
          ctx.stdout.write(`${JSON.stringify(options.dryRun ? { ...summary, wouldCopyKeys: planned } : summary)}\n`);
        } else {
          printSummary(ctx, summary);
        }
        if (summary.failed > 0) setExit(EXIT_PARTIAL);
      } finally {
        await Promise.all([src.close(), dst.close()]);
      }
    });
}


function archiveClassesOf(spec: StoreSpec): readonly string[] {
  return spec.type === 's3' ? providerQuirks(spec.provider).archiveClasses : [];
}

function printSummary(ctx: CliContext, s: CopySummary): void {
  const secs = (s.durationMs / 1000).toFixed(1);
  const rate = s.durationMs > 0 ? `${formatBytes((s.bytesCopied * 1000) / s.durationMs)}/s` : '-';
  const lines = [
    `listed ${s.listed} objects (${formatBytes(s.bytesListed)})`,
    s.wouldCopy !== undefined
      ? `would copy ${s.wouldCopy} objects (dry run: nothing written)`
      : `copied ${s.copied} objects (${formatBytes(s.bytesCopied)}) in ${secs}s, ${rate}`,
    `skipped ${s.skipped}${formatSkips(s)}`,
    `failed ${s.failed}${s.retries ? `, retries ${s.retries}` : ''}`,
  ];
  ctx.stdout.write(`${lines.join('\n')}\n`);
  for (const f of s.failures.slice(0, 20)) ctx.stderr.write(`failed: ${printableKey(f.key)}: ${describeError(f.error)}\n`);
  if (s.failures.length > 20) ctx.stderr.write(`... and ${s.failed - 20} more failures (use --json for all)\n`);
}

/** A key with a line break or other control character is quoted, so each failure stays one line. */
function printableKey(key: string): string {
  return /\p{Cc}/u.test(key) ? JSON.stringify(key) : key;
}

function formatSkips(s: CopySummary): string {
  const parts = Object.entries(s.skippedByReason).map(([reason, n]) => `${n} ${SKIP_REASON_TEXT[reason as keyof typeof SKIP_REASON_TEXT]}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

