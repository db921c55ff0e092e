import { usageError } from '../core/index.js';

export const OVERWRITE_POLICIES = ['never', 'always', 'newer', 'different'] as const;
export type OverwritePolicy = (typeof OVERWRITE_POLICIES)[number];

const MiB = 1024 * 1024;

/** What a copy run does; the CLI, jobs and the API all build one of these. */
export interface CopyOptions {
  /** When an existing destination object is replaced. @defaultValue 'different' */
  overwrite: OverwritePolicy;
  /** Only objects modified at or after this time (ms since epoch); ossimport's `importSince`. */
  sinceMs?: number | undefined;
  /** Key filter built from --include/--exclude; undefined keeps every key. */
  filter?: ((key: string) => boolean) | undefined;
  /** Objects in flight at once. @defaultValue 32 */
  concurrency: number;
  /** Objects at or above this size go multipart. @defaultValue 64 MiB */
  multipartThreshold: number;
  /** Part size (raised when an object would need more parts than the provider allows). @defaultValue 16 MiB */
  partSize: number;
  /** Parts in flight per multipart object. @defaultValue 4 */
  partConcurrency: number;
  /** Use CopyObject/UploadPartCopy when both ends share endpoint and credentials. @defaultValue true */
  serverSideCopy: boolean;
  /**
   * Attempts per object or part on retryable errors: 10 retries, as rclone's low-level retries.
   * At a 10% request failure rate one object in 10^8 runs out, instead of one in 4,000 with 4.
   * @defaultValue 11
   */
  attempts: number;
  /** Storage class for new destination objects; undefined keeps the provider's default. */
  storageClass?: string | undefined;
  /** Decide and report, but write nothing. @defaultValue false */
  dryRun: boolean;
  /** Listings in flight: the first levels' sub-prefixes are listed in parallel (1: one pass). @defaultValue 8 */
  listConcurrency: number;
}

export const DEFAULT_COPY_OPTIONS: CopyOptions = {
  overwrite: 'different',
  concurrency: 32,
  multipartThreshold: 64 * MiB,
  partSize: 16 * MiB,
  partConcurrency: 4,
  serverSideCopy: true,
  attempts: 11,
  dryRun: false,
  listConcurrency: 8,
};

export function parseOverwritePolicy(value: string, field = '--overwrite'): OverwritePolicy {
  if ((OVERWRITE_POLICIES as readonly string[]).includes(value)) return value as OverwritePolicy;
  throw usageError(field, `must be one of ${OVERWRITE_POLICIES.join(', ')} (got ${JSON.stringify(value)})`);
}
