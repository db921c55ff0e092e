// Multipart uploads recorded in Redis, so a worker that takes over a killed
// worker's task continues its uploads (against a real Redis; skipped without).
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseQueueUrl } from '../../src/runners/bullmq/queue-url.js';
import { RedisLink } from '../../src/runners/bullmq/redis-link.js';
import { RedisUploadRegistry } from '../../src/runners/bullmq/redis-upload-registry.js';
import { hasRedis, redisUrl } from '../helpers/redis-env.js';

describe.skipIf(!hasRedis())('RedisUploadRegistry', () => {
  const job = `up-${randomBytes(4).toString('hex')}`;
  const links: RedisLink[] = [];
  const link = (): RedisLink => {
    const l = new RedisLink(parseQueueUrl(redisUrl()!));
    links.push(l);
    return l;
  };

  afterAll(async () => {
    await links[0]?.send('DEL', [`ferry:uploads:${job}`]);
    for (const l of links) l.close();
  });

  it('an upload one worker saved is found by the next worker that preloads the task', async () => {
    const first = new RedisUploadRegistry(link(), job);
    await first.preload(['big.bin']);
    expect(first.find('big.bin')).toBeUndefined();
    first.save('big.bin', { uploadId: 'u-1', srcEtag: 'e1', size: 300, partSize: 100 });
    first.save('other.bin', { uploadId: 'u-2', size: 5, partSize: 5 });
    first.remove('other.bin');
    // Writes go out in the background, in order: an HMGET on the same link comes after them.
    const second = new RedisUploadRegistry(link(), job);
    await new Promise((r) => setTimeout(r, 50));
    await second.preload(['big.bin', 'other.bin', 'never.bin']);
    expect(second.find('big.bin')).toEqual({ uploadId: 'u-1', srcEtag: 'e1', size: 300, partSize: 100 });
    expect(second.find('other.bin')).toBeUndefined();
    expect(await RedisUploadRegistry.all(links[0]!, job)).toEqual([{ key: 'big.bin', upload: { uploadId: 'u-1', srcEtag: 'e1', size: 300, partSize: 100 } }]);
  });
});
