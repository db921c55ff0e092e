import type { RateLimiter } from '../../engine/throttle/index.js';
import { keys } from './redis-keys.js';
import { LuaScript, type RedisLink } from './redis-link.js';

/**
 * A token bucket in Redis, shared by every worker of a job: the same debt
 * rule as TokenBucket (a take charges its whole amount, then waits until
 * the balance is back to zero), on Redis' clock so machines need not agree
 * on the time. The rate is read from the job's limits hash, which the
 * coordinator keeps up to date (time-of-day tables, `ferry job set`).
 *
 * KEYS: bucket, limits. ARGV: kind, amount, burst seconds, least burst.
 * Returns -1 without a limit, else the milliseconds to wait (0: go now).
 */
const TAKE = new LuaScript(`
local rate = tonumber(redis.call('HGET', KEYS[2], ARGV[1]))
if not rate or rate <= 0 then return -1 end
local amount = tonumber(ARGV[2])
local capacity = math.max(rate * tonumber(ARGV[3]), tonumber(ARGV[4]))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if not tokens or not ts then
  tokens = 0
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000) - amount
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], 600000)
if tokens >= 0 then return 0 end
return math.ceil(-tokens * 1000 / rate)
`);

export interface RedisRateLimiterOptions {
  /** Seconds of unused rate an idle bucket saves up (as TokenBucket). @defaultValue 0.25 */
  burstSeconds?: number;
  /** The least an idle bucket saves up, in units. @defaultValue 1 */
  minBurst?: number;
  /**
   * How long "no limit" is believed without asking Redis again: the price of
   * not asking on every 64 KiB slice of an unlimited job is that a new limit
   * takes this long to bite. @defaultValue 1000
   */
  unlimitedCacheMs?: number;
  /** Told about a Redis error; the take waits a second and tries again. */
  onError?: (err: unknown) => void;
}

/** A job's global limiter of one kind (`bytes` or `objects`), over Redis. */
export class RedisRateLimiter implements RateLimiter {
  private unlimitedUntil = 0;
  private readonly bucketKey: string;
  private readonly limitsKey: string;

  constructor(
    private readonly link: RedisLink,
    job: string,
    private readonly kind: 'bytes' | 'objects',
    private readonly options: RedisRateLimiterOptions = {},
  ) {
    this.bucketKey = keys.bucket(job, kind);
    this.limitsKey = keys.limits(job);
  }

  async take(amount: number, signal?: AbortSignal): Promise<void> {
    if (!(amount >= 0 && Number.isFinite(amount))) throw new RangeError(`cannot take ${amount} units`);
    signal?.throwIfAborted();
    if (amount === 0 || performance.now() < this.unlimitedUntil) return;
    let wait: number;
    for (;;) {
      try {
        wait = await this.link.eval<number>(TAKE, [this.bucketKey, this.limitsKey], [this.kind, amount, this.options.burstSeconds ?? 0.25, this.options.minBurst ?? 1]);
        break;
      } catch (err) {
        this.options.onError?.(err);
        await sleep(1000, signal);
      }
    }
    if (wait < 0) {
      this.unlimitedUntil = performance.now() + (this.options.unlimitedCacheMs ?? 1000);
      return;
    }
    if (wait > 0) await sleep(wait, signal);
  }
}

/** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Obeys every limiter given, one after the other (a worker's own limit and the job's global one). */
export function allOf(...limiters: (RateLimiter | undefined)[]): RateLimiter | undefined {
  const present = limiters.filter((l): l is RateLimiter => l !== undefined);
  if (present.length <= 1) return present[0];
  return {
    take: async (amount, signal) => {
      for (const l of present) await l.take(amount, signal);
    },
  };
}
