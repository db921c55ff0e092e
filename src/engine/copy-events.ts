import type { ObjectInfo } from '../core/index.js';
import type { SkipReason } from './decide.js';
import type { TransferOutcome } from './transfer/index.js';

/** What happened to one object; reports and progress are built from these. */
export type CopyEvent =
  | { type: 'copied'; object: ObjectInfo; reason: string; outcome: TransferOutcome; attempts: number; startedAt: number; endedAt: number }
  | { type: 'would-copy'; object: ObjectInfo; reason: string }
  | { type: 'skipped'; object: ObjectInfo; reason: SkipReason; dst?: ObjectInfo | undefined }
  | { type: 'failed'; object: ObjectInfo; error: string; code: string; attempts: number; startedAt: number; endedAt: number }
  | { type: 'retry'; key: string; error: string };

export interface CopySummary {
  listed: number;
  copied: number;
  skipped: number;
  failed: number;
  bytesListed: number;
  bytesCopied: number;
  durationMs: number;
  retries: number;
  /** Present on dry runs: what would be copied. */
  wouldCopy?: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  failures: { key: string; error: string }[];
}
