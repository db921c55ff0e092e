import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRateSchedule, ScheduledLimiter, TokenBucket, type RateSchedule } from '../../src/engine/throttle/index.js';

const MB = 1024 * 1024;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Fake milliseconds since `start` at which each promise settled. */
function track<T>(promise: Promise<T>, start = performance.now()): { done: () => number | undefined; promise: Promise<T> } {
  let at: number | undefined;
  const tracked = promise.finally(() => {
    at = performance.now() - start;
  });
  return { done: () => at, promise: tracked };
}

describe('TokenBucket', () => {
  it('takes 10 MB at 2 MB/s in about 5 s of fake time', async () => {
    const bucket = new TokenBucket(2 * MB);
    const start = performance.now();
    let finishedAt: number | undefined;
    void (async () => {
      for (let i = 0; i < 10; i++) await bucket.take(MB);
      finishedAt = performance.now() - start;
    })();
    await vi.advanceTimersByTimeAsync(4900);
    expect(finishedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    expect(finishedAt).toBeGreaterThanOrEqual(4990);
    expect(finishedAt).toBeLessThanOrEqual(5010);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets a take larger than the burst through after the time it is worth', async () => {
    const bucket = new TokenBucket(MB);
    const big = track(bucket.take(10 * MB));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(big.done()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2);
    expect(big.done()).toBeGreaterThanOrEqual(10_000);
  });

  it('serves waiting takes first in, first out', async () => {
    const bucket = new TokenBucket(MB);
    const order: string[] = [];
    const takes = [
      bucket.take(2 * MB).then(() => order.push('big')),
      bucket.take(1).then(() => order.push('tiny')),
      bucket.take(MB / 2).then(() => order.push('half')),
    ];
    expect(bucket.waiting).toBe(3);
    await vi.advanceTimersByTimeAsync(1999);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(600);
    await Promise.all(takes);
    // The tiny take waited behind the big one instead of slipping past it.
    expect(order).toEqual(['big', 'tiny', 'half']);
  });

  it('applies a new rate to takes already waiting', async () => {
    const bucket = new TokenBucket(MB);
    const big = track(bucket.take(10 * MB));
    await vi.advanceTimersByTimeAsync(2000);
    // 2 MB paid at 1 MB/s; the other 8 MB at 4 MB/s take 2 s more.
    bucket.setRate(4 * MB);
    await vi.advanceTimersByTimeAsync(1990);
    expect(big.done()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    expect(big.done()).toBeGreaterThanOrEqual(3990);
    expect(big.done()).toBeLessThanOrEqual(4010);
  });

  it('with no rate, takes resolve at once, and lifting the limit releases waiters', async () => {
    const free = new TokenBucket();
    let resolved = false;
    void free.take(1e12).then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(true);
    expect(vi.getTimerCount()).toBe(0);

    const bucket = new TokenBucket(1);
    const waiting = track(bucket.take(1000));
    await vi.advanceTimersByTimeAsync(10);
    bucket.setRate(undefined);
    await waiting.promise;
    expect(waiting.done()).toBeLessThan(20);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('banks at most the burst while idle', async () => {
    const bucket = new TokenBucket(MB, { burstSeconds: 0.25 });
    await vi.advanceTimersByTimeAsync(60_000);
    // A minute idle is worth a quarter second, not a minute.
    const quarter = track(bucket.take(MB / 4));
    await Promise.resolve();
    await Promise.resolve();
    expect(quarter.done()).toBe(0);
    const next = track(bucket.take(MB / 4));
    await vi.advanceTimersByTimeAsync(240);
    expect(next.done()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    expect(next.done()).toBeDefined();
  });

  it('an aborted take rejects with the reason and gives its place and units back', async () => {
    const bucket = new TokenBucket(MB);
    const controller = new AbortController();
    const first = bucket.take(10 * MB, controller.signal);
    const second = track(bucket.take(MB));
    await vi.advanceTimersByTimeAsync(500);
    controller.abort(new Error('stop'));
    await expect(first).rejects.toThrow('stop');
    // The 0.5 MB earned so far comes back capped at the burst (0.25 MB), so the next 1 MB waits 0.75 s more.
    await vi.advanceTimersByTimeAsync(740);
    expect(second.done()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    expect(second.done()).toBeGreaterThanOrEqual(1250);
    expect(vi.getTimerCount()).toBe(0);
    await expect(bucket.take(1, controller.signal)).rejects.toThrow('stop');
  });

  it('refuses nonsense', () => {
    const bucket = new TokenBucket(1);
    expect(() => bucket.setRate(0)).toThrow(RangeError);
    expect(() => bucket.setRate(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => bucket.take(-1)).toThrow(RangeError);
    expect(() => bucket.take(Number.NaN)).toThrow(RangeError);
  });
});

describe('ScheduledLimiter', () => {
  it('changes rate when the clock crosses a table boundary', async () => {
    vi.setSystemTime(new Date(2024, 4, 17, 7, 59, 58));
    const parsed = parseRateSchedule('08:00,1M 20:00,off', 'f', 'bytes');
    const limiter = new ScheduledLimiter(() => parsed);
    // 07:59:58 falls in the 20:00 slot (from the day before): no limit.
    await limiter.take(100 * MB);
    expect(limiter.bucket.rate).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2000);
    const paced = track(limiter.take(MB));
    expect(limiter.bucket.rate).toBe(MB);
    await vi.advanceTimersByTimeAsync(1010);
    expect(paced.done()).toBeGreaterThanOrEqual(1000);
  });

  it('follows a swapped or removed schedule', async () => {
    let schedule: RateSchedule | undefined = parseRateSchedule('10', 'f', 'objects');
    const limiter = new ScheduledLimiter(() => schedule);
    void limiter.take(1);
    expect(limiter.bucket.rate).toBe(10);
    schedule = parseRateSchedule('100', 'f', 'objects');
    void limiter.take(1);
    expect(limiter.bucket.rate).toBe(100);
    schedule = undefined;
    await limiter.take(1000);
    expect(limiter.bucket.rate).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});
