/**
 * Names in Redis, in one place. BullMQ keeps the queue under
 * `bull:ferry-tasks:*`; Ferry's own keys start with `ferry:`.
 */

/** The one queue every coordinator feeds and every worker takes from. */
export const QUEUE_NAME = 'ferry-tasks';

/** The BullMQ job id of a task: the same task queued twice is one job. */
export function taskJobId(job: string, run: number, seq: number): string {
  return `${job}__${run}__${seq}`;
}

/** The job, run and task a BullMQ job id names (undefined for other ids). */
export function parseTaskJobId(id: string): { job: string; run: number; seq: number } | undefined {
  const m = /^(.+)__(\d+)__(\d+)$/.exec(id);
  return m ? { job: m[1]!, run: Number(m[2]), seq: Number(m[3]) } : undefined;
}

export const keys = {
  /** Hash: the limits in force for a job now (`bytes`, `objects`: units per second; absent: no limit). */
  limits: (job: string): string => `ferry:limits:${job}`,
  /** Hash: a job's shared token bucket of one kind (`tokens`, `ts`). */
  bucket: (job: string, kind: string): string => `ferry:bucket:${job}:${kind}`,
  /** Hash: multipart uploads in progress, key → upload (JSON), so another worker continues them. */
  uploads: (job: string): string => `ferry:uploads:${job}`,
  /** Hash: what a worker is doing (kept an hour after it was last seen). */
  worker: (id: string): string => `ferry:workers:${id}`,
  /** String with a short expiry: present while the worker is alive. */
  workerAlive: (id: string): string => `ferry:alive:${id}`,
  /** Set: the ids of workers that reported (pruned as their records expire). */
  workerIds: 'ferry:worker-ids',
};
