import { parseRateSchedule } from '../engine/throttle/index.js';
import { parseCron } from '../jobs/cron.js';
import type { JobSpec, JobSpecInput } from '../jobs/job-spec.js';
import { createKeyFilter, parseDuration, parseSince } from '../util/index.js';
import { asField, badRequest } from './errors.js';
import type { JobCreateBody } from './schemas.js';

const MAX_TIMES = 1_000_000;

/**
 * A validated create body as a job spec, with the checks `ferry job create`
 * makes on its flags (rate tables, cron, since, globs), each error naming
 * the body property.
 */
export function jobSpecFromBody(body: JobCreateBody): JobSpecInput {
  const { since, ...copy } = body.copy;
  if (since !== undefined) {
    if (copy.sinceMs !== undefined) throw badRequest('copy.since', 'copy.since: give copy.since or copy.sinceMs, not both');
    copy.sinceMs = asField('copy.since', () => parseSince(since, 'copy.since'));
  }
  asField('copy.include', () => createKeyFilter({ include: copy.include }));
  asField('copy.exclude', () => createKeyFilter({ exclude: copy.exclude }));
  if (copy.storageClass !== undefined && !/^[A-Za-z_]{1,64}$/.test(copy.storageClass)) {
    throw badRequest('copy.storageClass', 'copy.storageClass: must be a storage class name such as STANDARD or IA');
  }
  return {
    name: body.name,
    src: body.src,
    dst: body.dst,
    copy,
    tasks: body.tasks ?? {},
    throttle: checkThrottle(body.throttle ?? {}),
    schedule: scheduleFromBody(body.schedule),
    reportPrefix: body.reportPrefix,
  };
}

/** Rate tables are parsed now, so a bad one fails here, not in the running job. `off` or empty removes a limit. */
export function checkThrottle(t: { bwlimit?: string | null | undefined; maxQps?: string | null | undefined }): JobSpec['throttle'] {
  const out: JobSpec['throttle'] = {};
  const keep = (v: string | null | undefined): v is string => v !== undefined && v !== null && v.trim() !== '' && v.trim().toLowerCase() !== 'off';
  if (keep(t.bwlimit)) out.bwlimit = (parseRateSchedule(t.bwlimit, 'throttle.bwlimit', 'bytes'), t.bwlimit.trim());
  if (keep(t.maxQps)) out.maxQps = (parseRateSchedule(t.maxQps, 'throttle.maxQps', 'objects'), t.maxQps.trim());
  return out;
}

function scheduleFromBody(s: JobCreateBody['schedule']): JobSpec['schedule'] {
  if (!s || (s.every === undefined && s.times === undefined && s.cron === undefined)) return undefined;
  if (s.cron !== undefined) {
    if (s.every !== undefined || s.times !== undefined) {
      throw badRequest('schedule.cron', 'schedule.cron: cannot be combined with schedule.every / schedule.times');
    }
    const cron = s.cron.trim();
    parseCron(cron, 'schedule.cron');
    return { cron };
  }
  if (s.every === undefined) throw badRequest('schedule.every', 'schedule.every: is required with schedule.times');
  const every = typeof s.every === 'number' ? s.every : asField('schedule.every', () => parseDuration(String(s.every), 'schedule.every'));
  if (every < 60_000) throw badRequest('schedule.every', 'schedule.every: must be at least 1m');
  return { every, times: s.times ?? MAX_TIMES };
}
