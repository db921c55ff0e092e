import type { RateLimiter } from './rate-limiter.js';
import type { RateSchedule } from './rate-schedule.js';
import { TokenBucket, type TokenBucketOptions } from './token-bucket.js';

export interface ScheduledLimiterOptions extends TokenBucketOptions {
  /** IANA zone the schedule's times are in. @defaultValue the machine's local time (`TZ`) */
  timeZone?: string | undefined;
  /** Wall-clock milliseconds, for the time of day. @defaultValue Date.now */
  wallClock?: () => number;
}

/**
 * A token bucket that follows a rate schedule. The schedule comes from a
 * function, asked at every take, so a running job's limit can be changed
 * or lifted (undefined) by swapping what it returns.
 *
 * The rate is looked up at each take, which is how crossing 08:00 changes
 * it: a take already waiting pays the rest of its debt at the new rate from
 * the next take on, any caller's. With 64 KiB slices that is a fraction of a
 * second, except at a very low rate or with one caller waiting alone.
 */
export class ScheduledLimiter implements RateLimiter {
  readonly bucket: TokenBucket;
  private readonly timeZone: string | undefined;
  private readonly wallClock: () => number;
  // The rate only changes at a minute boundary (every zone in use today is
  // offset by whole minutes) or with a new schedule, so a take in the same
  // minute with the same schedule skips the time-of-day lookup.
  private seenSchedule: RateSchedule | undefined;
  private seenMinute = Number.NaN;

  constructor(
    private readonly schedule: () => RateSchedule | undefined,
    options: ScheduledLimiterOptions = {},
  ) {
    this.bucket = new TokenBucket(undefined, options);
    this.timeZone = options.timeZone;
    this.wallClock = options.wallClock ?? (() => Date.now());
  }

  take(amount: number, signal?: AbortSignal): Promise<void> {
    this.update();
    return this.bucket.take(amount, signal);
  }

  /** Brings the bucket's rate up to date with the schedule and the clock. */
  update(): void {
    const schedule = this.schedule();
    const nowMs = this.wallClock();
    const minute = Math.floor(nowMs / 60_000);
    if (schedule === this.seenSchedule && minute === this.seenMinute) return;
    this.seenSchedule = schedule;
    this.seenMinute = minute;
    this.bucket.setRate(schedule?.rateAt(new Date(nowMs), this.timeZone));
  }
}
