// Smoke test of the real test server (scripts/ceph-up.sh) and of the helpers
// in test/helpers/s3-env.ts: two users, a hard key, storage classes.
import { afterAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  createTestBucket,
  emptyAndDeleteBucket,
  getObjectBytes,
  hasS3,
  listAllKeys,
  putObject,
  s3Env,
  testClient,
  type TestUser,
} from '../helpers/s3-env.js';

const HARD_KEY = 'dir/a b+c%d#e?f&g=h;i ü.txt';

describe.skipIf(!hasS3())('ceph smoke', () => {
  const buckets: string[] = [];
  afterAll(async () => {
    for (const b of buckets) await emptyAndDeleteBucket(b);
  });

  it('has two distinct users', () => {
    const env = s3Env();
    expect(env).toBeDefined();
    expect(env?.accessKeyId2).not.toBe(env?.accessKeyId);
  });

  for (const which of [1, 2] as TestUser[]) {
    it(`user ${which}: create bucket, put/get/list a hard key`, async () => {
      const bucket = await createTestBucket(`smoke-u${which}`, which);
      buckets.push(bucket);
      expect(bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);

      const body = Buffer.concat([Buffer.from(`user ${which} ü\n`), Buffer.from([0, 1, 2, 255, 254])]);
      const { etag } = await putObject(bucket, HARD_KEY, body, { which, ContentType: 'text/plain' });
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      await putObject(bucket, 'other/x', 'x', { which });

      const got = await getObjectBytes(bucket, HARD_KEY, which);
      expect(got.equals(body)).toBe(true);

      expect(await listAllKeys(bucket, undefined, which)).toEqual([HARD_KEY, 'other/x']);
      expect(await listAllKeys(bucket, 'dir/', which)).toEqual([HARD_KEY]);
    });
  }

  it("user 2 cannot read user 1's bucket", async () => {
    const bucket = await createTestBucket('smoke-private', 1);
    buckets.push(bucket);
    await putObject(bucket, 'secret', 'nope');
    await expect(testClient(2).send(new GetObjectCommand({ Bucket: bucket, Key: 'secret' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('accepts archive storage classes and paginates listings', async () => {
    const bucket = await createTestBucket('smoke-classes');
    buckets.push(bucket);
    const classes = ['STANDARD', 'STANDARD_IA', 'GLACIER', 'DEEP_ARCHIVE'] as const;
    for (const sc of classes) await putObject(bucket, `sc/${sc}`, sc, { StorageClass: sc });
    const head = await testClient().send(new HeadObjectCommand({ Bucket: bucket, Key: 'sc/GLACIER' }));
    expect(head.StorageClass).toBe('GLACIER');
    const list = await testClient().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'sc/' }));
    const byKey = Object.fromEntries((list.Contents ?? []).map((o) => [o.Key, o.StorageClass]));
    expect(byKey['sc/DEEP_ARCHIVE']).toBe('DEEP_ARCHIVE');
    // Archive classes on this server are labels only: the bytes are readable.
    expect((await getObjectBytes(bucket, 'sc/DEEP_ARCHIVE')).toString()).toBe('DEEP_ARCHIVE');

    for (let i = 0; i < 5; i++) await putObject(bucket, `page/${i}`, String(i));
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const p = await testClient().send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'page/', MaxKeys: 2, ContinuationToken: token }),
      );
      keys.push(...(p.Contents ?? []).map((o) => o.Key ?? ''));
      token = p.IsTruncated ? p.NextContinuationToken : undefined;
    } while (token);
    expect(keys).toEqual(['page/0', 'page/1', 'page/2', 'page/3', 'page/4']);
  });
});
