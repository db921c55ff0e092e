import { usageError } from '../core/index.js';
import type { StoreSpec } from '../stores/store-spec.js';

/**
 * Refuses a destination that is the source or lies inside it (or the other
 * way round): the copy would list its own output and copy it again, a job
 * run after run. `fields` names the two locations as the caller's user knows
 * them (`SRC`/`DST` on the command line, `src`/`dst` in the API).
 */
export function assertNoOverlap(src: StoreSpec, dst: StoreSpec, fields: { src: string; dst: string } = { src: 'SRC', dst: 'DST' }): void {
  const a = rootOf(src);
  const b = rootOf(dst);
  if (a !== undefined && b !== undefined && (a.startsWith(b) || b.startsWith(a))) {
    throw usageError(fields.dst, `overlaps ${fields.src}: a location cannot be copied into itself`);
  }
}

/** Where a location's objects live, as a string whose prefixes are the locations around it; none for URL lists. */
function rootOf(s: StoreSpec): string | undefined {
  if (s.type === 's3') return `s3|${s.endpoint.replace(/\/+$/, '')}|${s.bucket}|${s.prefix}`;
  if (s.type === 'local') return `local|${s.path.replace(/\/+$/, '')}/${s.prefix}`;
  return undefined;
}
