import type { ObjectInfo } from '../core/index.js';
import { isPlainMd5 } from './hashing/index.js';
import type { CopyOptions } from './copy-options.js';

export type Decision =
  | { action: 'copy'; reason: 'missing' | 'size' | 'checksum' | 'newer' | 'always' }
  | { action: 'skip'; reason: SkipReason };

export type SkipReason = 'filtered' | 'before-since' | 'archived' | 'unchanged' | 'exists';

/** What the engine knows about each side's listings. */
export interface DecideContext {
  options: Pick<CopyOptions, 'overwrite' | 'sinceMs' | 'filter'>;
  /** Source ETags are content MD5s (false for Kodo, local disk, HTTP lists). */
  srcEtagIsMd5: boolean;
  dstEtagIsMd5: boolean;
  /** Storage classes that cannot be read without a restore. */
  archiveClasses: ReadonlySet<string>;
  /**
   * An incremental run's lower bound (the previous run's start): unlike
   * `sinceMs` it does not skip an object missing at the destination, so an
   * object that failed in an earlier run is still copied.
   */
  incrementalSinceMs?: number | undefined;
}

/**
 * Whether one source object is copied, from the two listings alone (no HEAD).
 * `different` copies when the destination is missing, differs in size, has a
 * comparable checksum that differs, or (with no comparable checksum) was
 * stored before the source was last modified.
 */
export function decide(src: ObjectInfo, dst: ObjectInfo | undefined, ctx: DecideContext): Decision {
  const { options } = ctx;
  if (options.filter && !options.filter(src.key)) return { action: 'skip', reason: 'filtered' };
  if (options.sinceMs !== undefined && src.mtimeMs < options.sinceMs) return { action: 'skip', reason: 'before-since' };
  if (dst && ctx.incrementalSinceMs !== undefined && src.mtimeMs < ctx.incrementalSinceMs) return { action: 'skip', reason: 'before-since' };
  if (src.storageClass && ctx.archiveClasses.has(src.storageClass)) return { action: 'skip', reason: 'archived' };
  if (!dst) return { action: 'copy', reason: 'missing' };

  switch (options.overwrite) {
    case 'never':
      return { action: 'skip', reason: 'exists' };
    case 'always':
      return { action: 'copy', reason: 'always' };
    case 'newer':
      return src.mtimeMs > dst.mtimeMs ? { action: 'copy', reason: 'newer' } : { action: 'skip', reason: 'unchanged' };
    case 'different': {
      if (src.size !== dst.size) return { action: 'copy', reason: 'size' };
      if (comparableChecksums(src, dst, ctx)) {
        return src.etag === dst.etag ? { action: 'skip', reason: 'unchanged' } : { action: 'copy', reason: 'checksum' };
      }
      const stored = dst.storedMs ?? dst.mtimeMs;
      return src.mtimeMs > stored ? { action: 'copy', reason: 'newer' } : { action: 'skip', reason: 'unchanged' };
    }
  }
}

/** Both ETags are plain content MD5s: multipart ETags depend on part sizes, so they are not compared. */
function comparableChecksums(src: ObjectInfo, dst: ObjectInfo, ctx: DecideContext): boolean {
  return ctx.srcEtagIsMd5 && ctx.dstEtagIsMd5 && isPlainMd5(src.etag) && isPlainMd5(dst.etag);
}

/** Human wording of a skip, for reports. */
export const SKIP_REASON_TEXT: Record<SkipReason, string> = {
  filtered: 'excluded by --include/--exclude',
  'before-since': 'modified before --since',
  archived: 'archive storage class: restore it first',
  unchanged: 'already at destination',
  exists: 'exists at destination (--overwrite never)',
};
