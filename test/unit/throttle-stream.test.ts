import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThrottleStream, TokenBucket, type RateLimiter } from '../../src/engine/throttle/index.js';

const MiB = 1024 * 1024;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function sink(): { writable: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  const writable = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { writable, data: () => Buffer.concat(chunks) };
}

/** Runs fake time forward until `promise` settles; returns the fake ms it took. */
async function fakeDuration(promise: Promise<unknown>): Promise<number> {
  const start = performance.now();
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  for (let i = 0; i < 10_000 && !settled; i++) await vi.advanceTimersByTimeAsync(10);
  await watched;
  return performance.now() - start;
}

describe('ThrottleStream', () => {
  it('paces 1 MiB through a 4 MiB/s limiter to at least 0.2 s, bytes intact', async () => {
    const data = randomBytes(MiB);
    const out = sink();
    const limiter = new TokenBucket(4 * MiB);
    const took = await fakeDuration(pipeline(Readable.from([data.subarray(0, 300_000), data.subarray(300_000)]), new ThrottleStream(limiter), out.writable));
    expect(took).toBeGreaterThanOrEqual(200);
    expect(took).toBeLessThan(400);
    expect(out.data().equals(data)).toBe(true);
  });

  it('asks the limiter in slices no larger than sliceBytes, totalling the bytes passed', async () => {
    const takes: number[] = [];
    const limiter: RateLimiter = {
      take: (n) => {
        takes.push(n);
        return Promise.resolve();
      },
    };
    const data = randomBytes(200_000);
    const out = sink();
    await pipeline(Readable.from([data]), new ThrottleStream(limiter, { sliceBytes: 64 * 1024 }), out.writable);
    expect(takes).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    expect(out.data().equals(data)).toBe(true);
  });

  it('an abort ends the stream and frees the limiter for others', async () => {
    const limiter = new TokenBucket(1000);
    const controller = new AbortController();
    const throttle = new ThrottleStream(limiter, { signal: controller.signal });
    const done = pipeline(Readable.from([randomBytes(10_000)]), throttle, sink().writable);
    await vi.advanceTimersByTimeAsync(100);
    expect(limiter.waiting).toBe(1);
    controller.abort();
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    expect(limiter.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('destroying the stream cancels its waiting take', async () => {
    const limiter = new TokenBucket(1000);
    const throttle = new ThrottleStream(limiter);
    throttle.on('error', () => undefined);
    throttle.write(randomBytes(5000));
    await vi.advanceTimersByTimeAsync(10);
    expect(limiter.waiting).toBe(1);
    throttle.destroy();
    await vi.advanceTimersByTimeAsync(0);
    expect(limiter.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
