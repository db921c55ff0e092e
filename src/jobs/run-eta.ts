import type { RunRow } from './job-repository.js';
import { ACTIVE_STATES } from './job-state.js';
import type { RunCounts } from './run-store.js';

/**
 * Seconds left of a run from bytes and objects left at its current rates:
 * the larger of the two (small objects are bound by requests, not bytes).
 * Null when the run is not active or no rate is known yet.
 */
export function runEtaSeconds(run: RunRow, counts: RunCounts): number | null {
  if (!ACTIVE_STATES.has(run.state)) return null;
  const bytesLeft = Math.max(0, counts.toCopyBytes - counts.migratedBytes);
  const objectsLeft = Math.max(0, counts.toCopy - counts.migrated - counts.failed);
  const byBytes = run.rateBps > 0 ? bytesLeft / run.rateBps : undefined;
  const byObjects = run.rateOps > 0 ? objectsLeft / run.rateOps : undefined;
  if (byBytes === undefined && byObjects === undefined) return objectsLeft === 0 && run.listingDone ? 0 : null;
  return Math.max(byBytes ?? 0, byObjects ?? 0);
}
