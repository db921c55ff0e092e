// The set-up the fault tests share: a source bucket (user 1) and a
// destination bucket (user 2) on the project's Ceph RGW, a fault-injecting
// proxy in front of it, and a Ferry home with the addresses `src` and `dst`
// going through the proxy.
import { cephAddressArgs } from './ceph-address.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { FerryCli } from './ferry-cli.js';
import { createTestBucket, emptyAndDeleteBucket, s3Env, type S3TestEnv } from './s3-env.js';

export interface FaultedPair {
  env: S3TestEnv;
  srcBucket: string;
  dstBucket: string;
  proxy: FaultProxy;
  cli: FerryCli;
  /** The same home, but a stalled request is given up after 2 s of silence, not the default 2 minutes. */
  impatient: FerryCli;
  /** Closes the proxy and empties and deletes both buckets. */
  close(): Promise<void>;
}

export async function startFaultedPair(name: string): Promise<FaultedPair> {
  const env = s3Env() as S3TestEnv;
  const srcBucket = await createTestBucket(`${name}-src`, 1);
  const dstBucket = await createTestBucket(`${name}-dst`, 2);
  const proxy = await startFaultProxy(env.endpoint);
  const secrets = { FERRY_TEST_SECRET_1: env.secretAccessKey, FERRY_TEST_SECRET_2: env.secretAccessKey2 };
  const cli = new FerryCli(undefined, secrets);
  const impatient = new FerryCli(cli.home, { ...secrets, FERRY_IO_TIMEOUT: '2s' });
  await cli.ok(0, ...cephAddressArgs(env, 'src', proxy.url, srcBucket, 1));
  await cli.ok(0, ...cephAddressArgs(env, 'dst', proxy.url, dstBucket, 2));
  return {
    env, srcBucket, dstBucket, proxy, cli, impatient,
    async close() {
      await proxy.close();
      await emptyAndDeleteBucket(srcBucket, 1);
      await emptyAndDeleteBucket(dstBucket, 2);
    },
  };
}
