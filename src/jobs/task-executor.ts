import type { CopyOptions, Progress } from '../engine/index.js';
import type { TransferContext } from '../engine/transfer/index.js';
import type { StoreSpec } from '../stores/index.js';
import type { JobSpec } from './job-spec.js';
import type { RunStore } from './run-store.js';

/** Everything a run hands to whoever carries out its tasks. */
export interface TaskExecutorInput {
  /** The job's name and the run's number. */
  job: string;
  run: number;
  /** When the run began: tells this run's queued work from an older run's of the same number. */
  runStartedAt: number;
  /** The job's spec as of now (`ferry job set` changes it while the run goes on). */
  spec: () => JobSpec;
  /** Where the run copies from and to, secrets resolved by the caller's home. */
  srcSpec: StoreSpec;
  dstSpec: StoreSpec;
  store: RunStore;
  /** The opened stores and meters, for an executor that copies in this process. */
  ctx: TransferContext;
  options: CopyOptions;
  /** Who claims tasks in the run store (`host:pid`). */
  owner: string;
  /** Aborted on pause, stop or a fatal error: stop handing out tasks and return. */
  abort: AbortController;
  progress: Progress;
  isListingDone: () => boolean;
  /** A fatal error (access denied, no such bucket) ends the whole run. */
  onFatal: (err: unknown) => void;
  log: (line: string) => void;
}

/**
 * Carries out a run's tasks as listing produces them, writing each object's
 * result into the run store and finishing each task; resolves when every
 * task is done or the run is aborted. The default copies in this process;
 * `ferry serve --queue` hands the tasks to queue workers instead.
 */
export interface TaskExecutor {
  execute(input: TaskExecutorInput): Promise<void>;
}
