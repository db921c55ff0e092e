import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/core/index.js';
import { SecretBox } from '../../src/home/index.js';
import { jobSpecSchema } from '../../src/jobs/job-spec.js';
import { sealSpec, sharedSecretBox, unsealSpec } from '../../src/runners/bullmq/spec-sealing.js';
import { PAYLOAD_VERSION, taskPayloadSchema, type TaskPayload } from '../../src/runners/bullmq/task-payload.js';
import type { S3Spec, StoreSpec } from '../../src/stores/index.js';
import { AWS_EXAMPLE_SECRET as SECRET, EXAMPLE_SESSION_TOKEN as TOKEN, WORKER_SIDE_SECRET } from '../helpers/test-secrets.js';
const keyHex = randomBytes(32).toString('hex');
const env = { FERRY_SECRET_KEY: keyHex };

const s3 = (over: Partial<S3Spec> = {}): S3Spec => ({
  type: 's3', name: 'src', provider: 'ceph', endpoint: 'http://rgw:7480', bucket: 'b', prefix: 'p/',
  credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET }, ...over,
});

function payload(src: StoreSpec, dst: StoreSpec, how: Parameters<typeof sealSpec>[1]): TaskPayload {
  return {
    v: PAYLOAD_VERSION, job: 'j', run: 1, runToken: 1700000000000, seq: 7,
    src: sealSpec(src, how), dst: sealSpec(dst, how),
    copy: jobSpecSchema.parse({ name: 'j', src: 'src', dst: 'dst' }).copy,
    items: [{ key: 'a/b.txt', size: 3, etag: 'abc', mtimeMs: 1, reason: 'new' }],
  };
}

describe('task payload', () => {
  it('never carries a secret in clear: sealed with FERRY_SECRET_KEY, opened by a worker with the same key', () => {
    const box = sharedSecretBox(env);
    const src = s3({ credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN } });
    const p = payload(src, { type: 'local', path: '/data/out', prefix: '' }, { box });
    const json = JSON.stringify(taskPayloadSchema.parse(p));
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain(TOKEN);
    expect(json).toContain('"sealed":"v1:');
    // A worker: an empty home, the shared key in its environment.
    const back = unsealSpec(taskPayloadSchema.parse(JSON.parse(json)).src, env, sharedSecretBox(env));
    expect(back).toEqual(src);
  });

  it('sends an env-var secret as the variable name, read from the worker\'s own environment', () => {
    const p = payload(s3(), s3({ name: 'dst' }), { secretEnv: 'SRC_SECRET', box: undefined });
    const json = JSON.stringify(p);
    expect(json).not.toContain(SECRET);
    expect(p.src).toMatchObject({ credentials: { accessKeyId: 'AKIAEXAMPLE', secret: { env: 'SRC_SECRET' } } });
    expect(unsealSpec(p.src, { SRC_SECRET: WORKER_SIDE_SECRET }, undefined)).toMatchObject({ credentials: { secretAccessKey: WORKER_SIDE_SECRET } });
    expect(() => unsealSpec(p.src, {}, undefined)).toThrow(/SRC_SECRET is not set on this worker/);
  });

  it('refuses to seal without FERRY_SECRET_KEY, in one line naming it', () => {
    let err: unknown;
    try {
      sealSpec(s3(), { box: undefined });
    } catch (e) {
      err = e;
    }
    expect(isFerryError(err) && err.code).toBe('CONFIG');
    expect((err as Error).message).toMatch(/^FERRY_SECRET_KEY is not set: address "src" has a secret/);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).not.toContain(SECRET);
    // Anonymous and local specs need no key.
    expect(sealSpec(s3({ credentials: undefined }), {})).not.toHaveProperty('credentials');
    expect(sealSpec({ type: 'local', path: '/x', prefix: '' }, {})).toEqual({ type: 'local', path: '/x', prefix: '' });
  });

  it('a worker with another key or none fails with a message, not garbage', () => {
    const p = payload(s3(), s3(), { box: sharedSecretBox(env) });
    expect(() => unsealSpec(p.src, {}, undefined)).toThrow(/FERRY_SECRET_KEY is not set on this worker/);
    expect(() => unsealSpec(p.src, {}, SecretBox.fromKey(randomBytes(32)))).toThrow(/cannot decrypt secret of address src: wrong secret key/);
  });

  it('the schema lets no clear secret through, even by mistake', () => {
    const p = payload(s3({ credentials: undefined }), s3({ credentials: undefined }), {});
    const leaky = { ...p, src: { ...p.src, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET } } };
    expect(taskPayloadSchema.safeParse(leaky).success).toBe(false);
    const alongside = { ...p, src: { ...p.src, credentials: { accessKeyId: 'AKIAEXAMPLE', secret: { env: 'X' }, secretAccessKey: SECRET } } };
    expect(taskPayloadSchema.safeParse(alongside).success).toBe(false);
    expect(taskPayloadSchema.safeParse({ ...p, v: PAYLOAD_VERSION + 1 }).success).toBe(false);
  });
});
