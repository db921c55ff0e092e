import { z } from 'zod';
import { usageError } from '../../core/index.js';
import { DEFAULT_COPY_OPTIONS, parseOverwritePolicy, type CopyOptions } from '../../engine/index.js';
import { MAX_PART_SIZE } from '../../jobs/job-spec.js';
import { createKeyFilter, parseSince, parseSize } from '../../util/index.js';

/** The raw flags of `ferry copy` (and later `ferry job create`), as commander hands them over. */
export const copyFlagsSchema = z
  .object({
    overwrite: z.string().optional(),
    since: z.string().optional(),
    include: z.array(z.string()).optional(),
    exclude: z.array(z.string()).optional(),
    concurrency: z.string().optional(),
    multipartThreshold: z.string().optional(),
    partSize: z.string().optional(),
    partConcurrency: z.string().optional(),
    serverSideCopy: z.boolean().optional(),
    storageClass: z.string().optional(),
    retries: z.string().optional(),
    dryRun: z.boolean().optional(),
  })
  .loose();

export type CopyFlags = z.infer<typeof copyFlagsSchema>;

function positiveInt(value: string | undefined, field: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
    throw usageError(field, `must be a whole number from 1 to ${max} (got ${JSON.stringify(value)})`);
  }
  return Number(value);
}

/** Turns validated flags into engine options; every error names its flag. */
export function copyOptionsFromFlags(raw: unknown): CopyOptions {
  const flags = copyFlagsSchema.parse(raw);
  const options: CopyOptions = { ...DEFAULT_COPY_OPTIONS };
  if (flags.overwrite !== undefined) options.overwrite = parseOverwritePolicy(flags.overwrite);
  if (flags.since !== undefined) options.sinceMs = parseSince(flags.since, '--since');
  if (flags.include?.length || flags.exclude?.length) {
    options.filter = createKeyFilter({ include: flags.include ?? [], exclude: flags.exclude ?? [] });
  }
  options.concurrency = positiveInt(flags.concurrency, '--concurrency', 4096) ?? options.concurrency;
  options.partConcurrency = positiveInt(flags.partConcurrency, '--part-concurrency', 256) ?? options.partConcurrency;
  options.attempts = (positiveInt(flags.retries, '--retries', 100) ?? options.attempts - 1) + 1;
  if (flags.multipartThreshold !== undefined) {
    options.multipartThreshold = parseSize(flags.multipartThreshold, '--multipart-threshold');
    // As jobs refuse it: a zero threshold would send even empty objects as multipart uploads.
    if (options.multipartThreshold < 1) throw usageError('--multipart-threshold', 'must be at least 1 byte');
  }
  if (flags.partSize !== undefined) {
    options.partSize = parseSize(flags.partSize, '--part-size');
    if (options.partSize < 1024 * 1024) throw usageError('--part-size', 'must be at least 1MiB');
    // Every provider refuses larger parts; refused here, not object by object mid-run.
    if (options.partSize > MAX_PART_SIZE) throw usageError('--part-size', 'must be at most 5GiB, the largest part S3 providers take');
  }
  if (flags.serverSideCopy === false) options.serverSideCopy = false;
  if (flags.storageClass !== undefined) {
    if (!/^[A-Za-z_]{1,64}$/.test(flags.storageClass)) throw usageError('--storage-class', 'must be a storage class name such as STANDARD or IA');
    options.storageClass = flags.storageClass;
  }
  if (flags.dryRun) options.dryRun = true;
  return options;
}

/** `ferry copy --list-concurrency` (jobs have their own, in the job's task settings). */
export function listConcurrencyFrom(value: unknown): number {
  if (value !== undefined && typeof value !== 'string') throw usageError('--list-concurrency', 'must be a whole number');
  return positiveInt(value, '--list-concurrency', 64) ?? DEFAULT_COPY_OPTIONS.listConcurrency;
}
