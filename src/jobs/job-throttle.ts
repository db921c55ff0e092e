import { parseRateSchedule, ScheduledLimiter, type RateSchedule, type Throttle } from '../engine/throttle/index.js';
import type { JobSpec } from './job-spec.js';

/** A job's limits, kept in step with its spec so `ferry job set` changes a running job. */
export interface JobThrottle {
  throttle: Throttle;
  /** Re-reads the limits from a (possibly changed) spec. */
  update(spec: JobSpec): void;
}

/**
 * Builds the job's bandwidth and objects/s limiters. The limiters ask for the
 * current schedule at every take, so an update takes effect at once without
 * replacing the limiter the transfers hold.
 */
export function buildThrottle(spec: JobSpec): JobThrottle {
  let bytes: RateSchedule | undefined;
  let objects: RateSchedule | undefined;
  let seen = '';
  const update = (s: JobSpec): void => {
    const key = `${s.throttle.bwlimit ?? ''}|${s.throttle.maxQps ?? ''}`;
    if (key === seen) return;
    seen = key;
    bytes = s.throttle.bwlimit ? parseRateSchedule(s.throttle.bwlimit, '--bwlimit', 'bytes') : undefined;
    objects = s.throttle.maxQps ? parseRateSchedule(s.throttle.maxQps, '--max-qps', 'objects') : undefined;
  };
  update(spec);
  return {
    throttle: {
      bytes: new ScheduledLimiter(() => bytes),
      objects: new ScheduledLimiter(() => objects),
    },
    update,
  };
}
