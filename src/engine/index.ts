/** The migration engine: merge-join listings, decide, transfer, verify. */
export { runCopy, type CopyRunInput } from './copy-run.js';
export type { CopyEvent, CopySummary } from './copy-events.js';
export { DEFAULT_COPY_OPTIONS, OVERWRITE_POLICIES, parseOverwritePolicy, type CopyOptions, type OverwritePolicy } from './copy-options.js';
export { decide, SKIP_REASON_TEXT, type Decision, type DecideContext, type SkipReason } from './decide.js';
export { march, type MarchPair } from './march.js';
export { parallelMarch, type ParallelMarchOptions } from './parallel-march.js';
export { Progress } from './progress.js';
