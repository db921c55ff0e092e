// `ferry mirror` as an operator runs it: the built CLI as a child process,
// addresses from the Ferry home, the URL printed at start, and a SIGTERM in
// the middle of a miss that lets the answer and the fill finish first.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cephAddressArgs } from '../helpers/ceph-address.js';
import { FerryCli } from '../helpers/ferry-cli.js';
import { FerryProcess, killAllFerryChildren } from '../helpers/ferry-child.js';
import { waitFor } from '../helpers/job-db.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, putObject, s3Env, testClient, type S3TestEnv } from '../helpers/s3-env.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe.skipIf(!hasS3())('ferry mirror (the CLI, as a child process)', () => {
  let env: S3TestEnv;
  let srcBucket: string;
  let dstBucket: string;
  const big = randomBytes(40 * MiB + 7);

  beforeAll(async () => {
    env = s3Env()!;
    srcBucket = await createTestBucket('mirror-cli-src', 1);
    dstBucket = await createTestBucket('mirror-cli-dst', 2);
    await putObject(srcBucket, 'video/big.bin', big, { ContentType: 'video/mp4' });
  });

  afterAll(async () => {
    killAllFerryChildren();
    if (srcBucket) await emptyAndDeleteBucket(srcBucket);
    if (dstBucket) await emptyAndDeleteBucket(dstBucket);
  });

  it('prints where it serves, and on SIGTERM finishes the answer and the fill in flight before it exits 0', async () => {
    const secrets = { FERRY_TEST_SECRET_1: env.secretAccessKey, FERRY_TEST_SECRET_2: env.secretAccessKey2, MIRROR_SECRET: 'cli-mirror-secret-value' };
    const ferry = new FerryProcess(secrets);
    const cli = new FerryCli(ferry.home, secrets);
    await cli.ok(0, ...cephAddressArgs(env, 'old', env.endpoint, srcBucket, 1));
    await cli.ok(0, ...cephAddressArgs(env, 'new', env.endpoint, dstBucket, 2));

    const running = ferry.spawn('mirror', '--src', 'old', '--dst', 'new', '--listen', '127.0.0.1:0', '--access-key-id', 'app', '--secret-env', 'MIRROR_SECRET');
    const url = await waitFor('the URL on stdout', () => /serving bucket "[^"]+" on (http:\/\/127\.0\.0\.1:\d+)/.exec(running.out())?.[1], 30_000);
    expect(running.out()).toContain(`serving bucket "${dstBucket}" on ${url}`);
    expect(running.out()).toContain(`path-style     ${url}/${dstBucket}/KEY`);

    const client = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'app', secretAccessKey: secrets.MIRROR_SECRET }, maxAttempts: 1 });
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: dstBucket, Key: 'video/big.bin' }));
      expect(out.ContentType).toBe('video/mp4');
      const chunks: Buffer[] = [];
      let signalled = false;
      for await (const chunk of out.Body as Readable) {
        chunks.push(chunk as Buffer);
        if (!signalled) {
          // The first bytes are here: the mirror is told to stop while both the answer and the fill are under way.
          // Reading pauses until it has taken the signal, so the fill (held back by this reader) is surely not done.
          running.child.kill('SIGTERM');
          signalled = true;
          await waitFor('the mirror to take the signal', () => running.err().includes('SIGTERM: stopping'), 30_000);
        }
      }
      expect(md5(Buffer.concat(chunks))).toBe(md5(big));
    } finally {
      client.destroy();
    }
    const result = await running.done;
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/SIGTERM: stopping; 1 fill\(s\) in flight finish first/);
    expect(result.err).toContain('fill "video/big.bin" filled');
    expect(result.err).toContain('ferry mirror: stopped');
    expect(result.err).not.toContain(secrets.MIRROR_SECRET);
    expect(result.err).not.toContain(env.secretAccessKey);
    const filled = await testClient(2).send(new HeadObjectCommand({ Bucket: dstBucket, Key: 'video/big.bin' }));
    expect(filled.ContentLength).toBe(big.length);
    expect(filled.ContentType).toBe('video/mp4');
  });
});
