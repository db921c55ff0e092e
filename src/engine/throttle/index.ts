/** Bandwidth and request-rate limits: flat or by time of day, changeable while a run goes on. */
export type { RateLimiter, Throttle } from './rate-limiter.js';
export { formatRateSchedule, parseRateSchedule, RateSchedule, type RateKind, type RateSlot } from './rate-schedule.js';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
export { ScheduledLimiter, type ScheduledLimiterOptions } from './scheduled-limiter.js';
export { ThrottleStream, type ThrottleStreamOptions } from './throttle-stream.js';
