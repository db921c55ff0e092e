import type { S3TestEnv } from './s3-env.js';

/** Env var names holding the two test users' secrets; addresses refer to them with --secret-env. */
const SECRET_ENV = { 1: 'FERRY_TEST_SECRET_1', 2: 'FERRY_TEST_SECRET_2' } as const;

/** `ferry address add` arguments for a Ceph bucket of test user 1 or 2, reached at `endpoint` (often a proxy). */
export function cephAddressArgs(env: S3TestEnv, name: string, endpoint: string, bucket: string, which: 1 | 2): string[] {
  return ['address', 'add', name, '--type', 's3', '--provider', 'ceph', '--endpoint', endpoint, '--bucket', bucket,
    '--access-key-id', which === 1 ? env.accessKeyId : env.accessKeyId2, '--secret-env', SECRET_ENV[which]];
}
