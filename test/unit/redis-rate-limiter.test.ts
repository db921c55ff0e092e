// The global limiter's Lua token bucket against a real Redis (skipped
// without one, see test/helpers/redis-env.ts): several limiters sharing a
// job's bucket, as workers on several machines do, get the limit in total.
// Timing bounds are loose: the machine runs other tests too.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueueUrl } from '../../src/runners/bullmq/queue-url.js';
import { jobSpecSchema } from '../../src/jobs/job-spec.js';
import { hashOf, publishLimits, redisKeys, RedisLink, RedisRateLimiter } from '../../src/runners/bullmq/index.js';
import { hasRedis, redisUrl } from '../helpers/redis-env.js';

describe.skipIf(!hasRedis())('RedisRateLimiter (Lua token bucket in Redis)', () => {
  const job = `lim-${randomBytes(4).toString('hex')}`;
  const links: RedisLink[] = [];
  const link = (): RedisLink => {
    const l = new RedisLink(parseQueueUrl(redisUrl()!));
    links.push(l);
    return l;
  };
  let admin: RedisLink;

  beforeAll(() => {
    admin = link();
  });

  afterAll(async () => {
    await admin.send('DEL', [redisKeys.limits(job), redisKeys.bucket(job, 'bytes'), redisKeys.bucket(job, 'objects')]);
    for (const l of links) l.close();
  });

  it('three limiters sharing a job share its limit: the total rate is the limit, not three times it', async () => {
    const rate = 400_000;
    await admin.send('HSET', [redisKeys.limits(job), 'bytes', rate]);
    const limiters = [0, 1, 2].map(() => new RedisRateLimiter(link(), job, 'bytes'));
    const taken = [0, 0, 0];
    const start = performance.now();
    const until = start + 3000;
    await Promise.all(
      limiters.map(async (l, i) => {
        while (performance.now() < until) {
          await l.take(16_384);
          taken[i]! += 16_384;
        }
      }),
    );
    const secs = (performance.now() - start) / 1000;
    const total = taken.reduce((a, n) => a + n, 0) / secs;
    console.log(`3 limiters: ${taken.join(' + ')} bytes in ${secs.toFixed(2)} s = ${(total / 1000).toFixed(0)} kB/s (limit ${rate / 1000} kB/s)`);
    expect(total).toBeGreaterThan(rate * 0.75);
    expect(total).toBeLessThan(rate * 1.25);
    // Each got a share, none the whole.
    for (const t of taken) expect(t / secs).toBeLessThan(rate * 0.7);
  });

  it('lets a take larger than the burst through after the time it is worth (debt)', async () => {
    await admin.send('HSET', [redisKeys.limits(job), 'objects', 10]);
    const l = new RedisRateLimiter(link(), job, 'objects');
    const t0 = performance.now();
    await l.take(10);
    await l.take(1);
    const ms = performance.now() - t0;
    // 11 objects at 10/s from an empty bucket: about 1.1 s.
    expect(ms).toBeGreaterThan(800);
    expect(ms).toBeLessThan(2500);
  });

  it('without a limit answers at once, and picks up a new limit within a second', async () => {
    await admin.send('HDEL', [redisKeys.limits(job), 'objects']);
    const l = new RedisRateLimiter(link(), job, 'objects', { unlimitedCacheMs: 200 });
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) await l.take(1);
    expect(performance.now() - t0).toBeLessThan(1000);
    await admin.send('HSET', [redisKeys.limits(job), 'objects', 5]);
    await new Promise((r) => setTimeout(r, 250));
    const t1 = performance.now();
    for (let i = 0; i < 6; i++) await l.take(1);
    expect(performance.now() - t1).toBeGreaterThan(700);
  });

  it('the coordinator publishes the rate a time-of-day table sets now, for every worker to read', async () => {
    const spec = jobSpecSchema.parse({ name: job, src: 'a', dst: 'b', throttle: { bwlimit: '00:00,100M 08:00,10M 20:00,off', maxQps: '250' } });
    const at = (h: number): Date => new Date(2026, 0, 5, h, 30);
    await publishLimits(admin, job, spec, at(9));
    expect(hashOf(await admin.send('HGETALL', [redisKeys.limits(job)]))).toEqual({ bytes: String(10 * 1024 * 1024), objects: '250' });
    await publishLimits(admin, job, spec, at(3));
    expect(await admin.send('HGET', [redisKeys.limits(job), 'bytes'])).toBe(String(100 * 1024 * 1024));
    // "off" in the evening: no bytes limit at all, the objects limit stays.
    await publishLimits(admin, job, spec, at(21));
    expect(hashOf(await admin.send('HGETALL', [redisKeys.limits(job)]))).toEqual({ objects: '250' });
  });

  it('an aborted take rejects with the signal\'s reason', async () => {
    await admin.send('HSET', [redisKeys.limits(job), 'objects', 1]);
    const l = new RedisRateLimiter(link(), job, 'objects');
    const abort = new AbortController();
    const p = l.take(50, abort.signal);
    setTimeout(() => abort.abort(new Error('paused')), 100);
    await expect(p).rejects.toThrow('paused');
  });
});
