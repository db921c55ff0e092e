/** What a user reads in `ferry job status`: the job's life, not its internals. */
export const JOB_STATES = ['created', 'queued', 'listing', 'migrating', 'paused', 'stopped', 'succeeded', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A run is active while it lists or copies; a paused run resumes where it was. */
export const ACTIVE_STATES: ReadonlySet<JobState> = new Set(['listing', 'migrating']);
/** A run in one of these ended; `start` begins a new run. */
export const ENDED_STATES: ReadonlySet<JobState> = new Set(['stopped', 'succeeded', 'failed']);

/**
 * Requests another process (CLI, API) leaves for the process running the job.
 * `retry`, with state `queued`, asks `ferry serve` to run a retry run (only
 * the objects that failed in the last run) instead of continuing or starting one.
 */
export type DesiredState = 'pause' | 'stop' | 'retry';

export type RunKind = 'full' | 'incremental' | 'retry';
export type TaskState = 'open' | 'pending' | 'running' | 'succeeded' | 'failed';
export type ResultStatus = 'migrated' | 'skipped' | 'failed';

/** A process that stopped sending heartbeats this long ago is presumed dead (kill -9, power loss). */
export const HEARTBEAT_STALE_MS = 15_000;
export const HEARTBEAT_EVERY_MS = 2_000;
