import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSpec } from '../../src/addresses/index.js';
import { FerryError } from '../../src/core/index.js';
import type { ObjectStore } from '../../src/stores/index.js';
import { ApiHarness } from '../helpers/api-app.js';
import { AWS_EXAMPLE_SECRET as SECRET } from '../helpers/test-secrets.js';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const s3Body = (name = 'src') => ({
  name,
  type: 's3',
  provider: 'ceph',
  endpoint: 'http://127.0.0.1:7480/',
  bucket: 'photos',
  prefix: 'in/',
  accessKeyId: KEY_ID,
  secretAccessKey: SECRET,
});

const harnesses: ApiHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});
const harness = (...args: ConstructorParameters<typeof ApiHarness>): ApiHarness => {
  const h = new ApiHarness(...args);
  harnesses.push(h);
  return h;
};

describe('/api/addresses', () => {
  it('creates, lists, shows, updates and deletes an address without ever returning its secret', async () => {
    const h = harness();
    const texts: string[] = [];
    const call = async <T,>(...args: Parameters<ApiHarness['call']>) => {
      const r = await h.call<T>(...args);
      texts.push(r.text);
      return r;
    };

    expect((await call('GET', '/api/addresses')).json).toEqual([]);
    const created = await call<Record<string, unknown>>('POST', '/api/addresses', s3Body());
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'src', type: 's3', provider: 'ceph', endpoint: 'http://127.0.0.1:7480', bucket: 'photos', prefix: 'in/',
      accessKeyId: 'AKIA…', secret: '****', secretKind: 'stored', description: 's3[ceph] http://127.0.0.1:7480/photos/in/',
    });
    expect(created.json).not.toHaveProperty('secretAccessKey');
    expect(created.json).not.toHaveProperty('secretEnc');

    expect((await call<unknown[]>('GET', '/api/addresses')).json).toHaveLength(1);
    expect((await call('GET', '/api/addresses/src')).json).toMatchObject({ name: 'src', secretKind: 'stored' });

    // A change that does not give a secret keeps the stored one.
    const patched = await call('PATCH', '/api/addresses/src', { bucket: 'photos2', region: 'eu-west-1' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ bucket: 'photos2', region: 'eu-west-1', prefix: 'in/', secretKind: 'stored' });
    const spec = resolveSpec(h.addresses.get('src'), {}, h.home.secretBox);
    expect(spec.type === 's3' && spec.credentials).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET });

    // null removes a property; a new kind of secret replaces the old one.
    expect((await call('PATCH', '/api/addresses/src', { region: null })).json).not.toHaveProperty('region');
    const env = await call('PATCH', '/api/addresses/src', { secretEnv: 'SRC_SECRET' });
    expect(env.json).toMatchObject({ secret: 'env:SRC_SECRET', secretKind: 'env' });
    expect(h.addresses.get('src')).not.toHaveProperty('secretEnc');

    const renamed = await call('PATCH', '/api/addresses/src', { name: 'source', secretAccessKey: SECRET });
    expect(renamed.json).toMatchObject({ name: 'source', secretKind: 'stored' });
    expect((await call('GET', '/api/addresses/src')).status).toBe(404);

    expect((await call('DELETE', '/api/addresses/source')).status).toBe(204);
    expect((await call('GET', '/api/addresses/source')).status).toBe(404);

    for (const text of texts) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(KEY_ID);
    }
  });

  it('answers 400 naming the field, 404 for unknown names and 409 for duplicates', async () => {
    const h = harness();
    const bad = async (body: unknown, field: string | null, message: RegExp) => {
      const r = await h.call<{ error: { code: string; field: string | null; message: string } }>('POST', '/api/addresses', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.field).toBe(field);
      expect(r.json.error.message).toMatch(message);
      expect(r.json.error.message).not.toMatch(/--/);
      expect(r.text).not.toContain(SECRET);
    };
    await bad({ ...s3Body(), endpoint: 'ftp://x' }, 'endpoint', /^endpoint: must be an http\(s\) URL$/);
    await bad({ ...s3Body(), endpoint: undefined }, 'endpoint', /^endpoint: is required$/);
    await bad({ ...s3Body(), name: 'bad name' }, 'name', /^name: must start with a letter or digit/);
    await bad({ ...s3Body(), path: '/tmp' }, 'path', /path is not used with type s3/);
    await bad({ ...s3Body(), secretEnv: 'X' }, 'secretEnv', /cannot be used with secretAccessKey/);
    await bad({ ...s3Body(), type: 'ftp' }, 'type', /must be one of s3, local, http-list/);
    await bad({ name: 'l', type: 'local' }, 'path', /is required/);
    await bad('[1, 2', null, /the body must be JSON/);

    expect((await h.call('POST', '/api/addresses', s3Body())).status).toBe(201);
    const dup = await h.call('POST', '/api/addresses', s3Body());
    expect(dup.status).toBe(409);
    expect(dup.json).toEqual({ error: { code: 'CONFLICT', message: 'address "src" already exists', field: 'name' } });
    expect((await h.call('POST', '/api/addresses', { ...s3Body('dst'), bucket: 'b2' })).status).toBe(201);
    expect((await h.call('PATCH', '/api/addresses/dst', { name: 'src' })).status).toBe(409);

    for (const [method, path] of [['GET', '/api/addresses/none'], ['PATCH', '/api/addresses/none'], ['DELETE', '/api/addresses/none'], ['POST', '/api/addresses/none/test']]) {
      const r = await h.call(method!, path!, method === 'PATCH' ? {} : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json).toEqual({ error: { code: 'NOT_FOUND', message: 'no address named "none"', field: null } });
    }
    const badPatch = await h.call('PATCH', '/api/addresses/src', { endpoint: 'nope' });
    expect(badPatch.json).toMatchObject({ error: { field: 'endpoint' } });
  });

  it('refuses to delete or rename an address a job uses', async () => {
    const h = harness();
    await h.call('POST', '/api/addresses', s3Body('a'));
    await h.call('POST', '/api/addresses', { name: 'b', type: 'local', path: join(h.dir, 'b') });
    expect((await h.call('POST', '/api/jobs', { name: 'j', src: 'a:sub/', dst: 'b' })).status).toBe(201);
    const del = await h.call('DELETE', '/api/addresses/a');
    expect(del.status).toBe(409);
    expect(del.json).toMatchObject({ error: { code: 'CONFLICT', message: 'address "a" is used by job(s) j: delete those first' } });
    expect((await h.call('PATCH', '/api/addresses/b', { name: 'c' })).status).toBe(409);
    expect((await h.call('PATCH', '/api/addresses/b', { prefix: 'p' })).status).toBe(200);
  });

  it('tests a connection: ok for a reachable folder, the error otherwise, never the secret', async () => {
    const opened: string[] = [];
    const h = harness({
      openStore: async (spec, role) => {
        opened.push(spec.type);
        if (spec.type === 's3') throw new FerryError('ACCESS_DENIED', 'access denied to bucket photos (403)', { fatal: true });
        const { openStore } = await import('../../src/stores/index.js');
        return openStore(spec, role) as Promise<ObjectStore>;
      },
    });
    const folder = join(h.dir, 'data');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.txt'), 'a');
    await h.call('POST', '/api/addresses', { name: 'disk', type: 'local', path: folder });
    await h.call('POST', '/api/addresses', { name: 'empty', type: 'local', path: join(h.dir, 'nothing') });
    await h.call('POST', '/api/addresses', s3Body('cloud'));

    const ok = await h.call<{ ok: boolean; message: string; elapsedMs: number }>('POST', '/api/addresses/disk/test');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, message: expect.stringMatching(/^connected: local .* lists objects$/) });
    expect((await h.call('POST', '/api/addresses/empty/test')).json).toMatchObject({ ok: true, message: expect.stringContaining('is empty') });
    const denied = await h.call('POST', '/api/addresses/cloud/test');
    expect(denied.json).toMatchObject({ ok: false, message: 'access denied to bucket photos (403)' });
    expect(denied.text).not.toContain(SECRET);
    expect(opened).toEqual(['local', 'local', 's3']);
  });
});
