import { parseRateSchedule } from '../../engine/throttle/index.js';
import type { JobSpec } from '../../jobs/job-spec.js';
import { keys } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';

/** Limits outlive a coordinator that died by this much, so workers finishing its tasks stay throttled. */
const KEEP_SECONDS = 86_400;

/**
 * Writes the job's limits in force now to Redis, where every worker's
 * limiter reads them. Time-of-day tables are evaluated here, on the
 * coordinator's clock and time zone, so all workers switch at once.
 */
export async function publishLimits(link: RedisLink, job: string, spec: JobSpec, now = new Date()): Promise<{ bytes?: number | undefined; objects?: number | undefined }> {
  const t = spec.throttle;
  const limits = {
    bytes: t.bwlimit ? parseRateSchedule(t.bwlimit, '--bwlimit', 'bytes').rateAt(now) : undefined,
    objects: t.maxQps ? parseRateSchedule(t.maxQps, '--max-qps', 'objects').rateAt(now) : undefined,
  };
  const key = keys.limits(job);
  const set: (string | number)[] = [];
  const unset: string[] = [];
  for (const [kind, rate] of Object.entries(limits)) {
    if (rate === undefined) unset.push(kind);
    else set.push(kind, rate);
  }
  if (set.length > 0) await link.send('HSET', [key, ...set]);
  if (unset.length > 0) await link.send('HDEL', [key, ...unset]);
  await link.send('EXPIRE', [key, KEEP_SECONDS]);
  return limits;
}
