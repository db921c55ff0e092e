// The rows of the bad-input catalogue (test/unit/bad-input-catalogue.test.ts)
// that need a real S3 server: keys in a Ceph bucket that a local destination
// must refuse, and S3 addresses that are wrong (no such bucket, a wrong
// secret, a bucket the credentials cannot write). Same checks: one line per
// error naming what is wrong, no stack, the home unchanged, nothing written
// outside (or, for configuration errors, inside) the destination.
//
// An unsafe key is an object-level failure (exit 1): it comes from the data,
// and one bad key among millions must not stop a migration. A wrong address
// is a configuration error (exit 2): nothing can work, so nothing is done.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newHomeDir } from '../helpers/artifacts.js';
import { cephAddressArgs } from '../helpers/ceph-address.js';
import { FerryCli } from '../helpers/ferry-cli.js';
import { expectNoStack, snapshotHome } from '../helpers/home-snapshot.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, listAllKeys, putObject, s3Env, type S3TestEnv } from '../helpers/s3-env.js';

/** Keys Ceph stores (S3 allows any UTF-8 but NUL) that no file below a root can have. */
const BAD_KEYS: { key: string; says: RegExp }[] = [
  { key: '../escape.txt', says: /escapes the root with \.\./ },
  { key: 'a/../../up.txt', says: /escapes the root with \.\./ },
  { key: '/abs.txt', says: /is absolute/ },
  { key: 'C:\\escape.txt', says: /is absolute/ },
  { key: '..\\..\\escape.txt', says: /contains a backslash/ },
  { key: './dot.txt', says: /contains a \. segment/ },
  { key: 'line\nbreak/../../escape.txt', says: /escapes the root/ },
  { key: 'dir//empty-segment.txt', says: /contains an empty path segment/ },
  { key: '.ferry-tmp-0123', says: /temporary-file name prefix/ },
];

describe.skipIf(!hasS3())('bad input that needs S3: unsafe keys and wrong S3 addresses', () => {
  const env = s3Env() as S3TestEnv;
  const secrets = { FERRY_TEST_SECRET_1: env.secretAccessKey, FERRY_TEST_SECRET_2: env.secretAccessKey2, FERRY_WRONG_SECRET: 'not-the-secret-of-this-key' };
  let bucket: string;
  let root: string;
  let templateHome: string;

  beforeAll(async () => {
    bucket = await createTestBucket('ferry-badkeys');
    // Each bad key alone below its own prefix, so one row sees one bad object; `mixed/` has all of them and two good ones.
    for (const [i, { key }] of BAD_KEYS.entries()) {
      await putObject(bucket, `case${i}/${key}`, Buffer.from(`bad ${i}`));
      await putObject(bucket, `mixed/${key}`, Buffer.from(`bad ${i}`));
    }
    await putObject(bucket, 'mixed/good/one.txt', Buffer.from('one'));
    await putObject(bucket, 'mixed/two.txt', Buffer.from('two'));

    root = mkdtempSync(join(tmpdir(), 'ferry-badinput-s3-'));
    templateHome = newHomeDir('badkeys-template');
    const cli = new FerryCli(templateHome, secrets);
    await cli.ok(0, ...cephAddressArgs(env, 'ceph', env.endpoint, bucket, 1));
    await cli.ok(0, ...cephAddressArgs(env, 'nobucket', env.endpoint, `${bucket}-missing`, 1));
    // User 1's key id with a secret that is not its own.
    await cli.ok(0, 'address', 'add', 'wrongsecret', '--type', 's3', '--provider', 'ceph', '--endpoint', env.endpoint, '--bucket', bucket,
      '--access-key-id', env.accessKeyId, '--secret-env', 'FERRY_WRONG_SECRET');
    // User 2 on user 1's bucket: may not write there.
    await cli.ok(0, ...cephAddressArgs(env, 'foreign', env.endpoint, bucket, 2));
  });

  afterAll(async () => {
    if (bucket) await emptyAndDeleteBucket(bucket);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function scratch(): { dir: string; home: string; dst: string; cli: FerryCli } {
    const dir = mkdtempSync(join(root, 'row-'));
    const home = newHomeDir('badkeys-row');
    cpSync(templateHome, home, { recursive: true });
    return { dir, home, dst: join(dir, 'dst'), cli: new FerryCli(home, secrets) };
  }

  it.each(BAD_KEYS.map((row, i) => [JSON.stringify(row.key), i, row] as const))(
    'key %s from S3 into a local folder: that object fails alone, one line, nothing written anywhere',
    async (_name, i, { key, says }) => {
      const s = scratch();
      const before = snapshotHome(s.home);
      const r = await s.cli.run('copy', `ceph:case${i}/`, s.dst);
      expect(r.code, r.err).toBe(1);
      const lines = r.err.split('\n');
      expect(lines.slice(0, -1)).toHaveLength(1);
      expect(lines.at(-1)).toBe('');
      expect(lines[0]).toMatch(/^failed: /);
      expect(lines[0]).toContain(`key ${JSON.stringify(key)}`);
      expect(lines[0]).toMatch(says);
      expect(r.out).toMatch(/^failed 1$/m);
      expectNoStack(r.err + r.out);
      expect(snapshotHome(s.home)).toEqual(before);
      expect(readdirSync(s.dir).filter((n) => n !== 'dst')).toEqual([]);
      if (existsSync(s.dst)) expect(readdirSync(s.dst, { recursive: true })).toEqual([]);
    },
  );

  it('bad keys among good ones: the good objects are copied, every bad one reported once, nothing outside the root', async () => {
    const s = scratch();
    const r = await s.cli.run('copy', 'ceph:mixed/', s.dst, '--json');
    expect(r.code, r.err).toBe(1);
    const summary = r.json<{ copied: number; failed: number; failures: { key: string; error: string }[] }>();
    expect(summary).toMatchObject({ copied: 2, failed: BAD_KEYS.length });
    expect(summary.failures.map((f) => f.key).sort()).toEqual(BAD_KEYS.map((b) => b.key).sort());
    for (const f of summary.failures) expect(f.error).toMatch(/^key "/);
    expect(readdirSync(s.dst, { recursive: true }).map(String).sort()).toEqual(['good', 'good/one.txt', 'two.txt']);
    expect(readdirSync(s.dir)).toEqual(['dst']);
  });

  const CONFIG_ROWS: { name: string; argv: (src: string, dst: string) => string[]; field: string; says: RegExp; writesTo?: 'bucket' }[] = [
    { name: 'a bucket that does not exist', argv: (_src, dst) => ['copy', 'nobucket', dst], field: 'address "nobucket"', says: /-missing: NoSuchBucket \(404\)/ },
    { name: 'a secret that does not match the key id', argv: (_src, dst) => ['copy', 'wrongsecret', dst], field: 'address "wrongsecret"', says: /SignatureDoesNotMatch \(403\)/ },
    { name: 'a destination bucket the credentials may not write', argv: (src) => ['copy', src, 'foreign:denied/'], field: 'address "foreign"', says: /AccessDenied \(403\)/, writesTo: 'bucket' },
  ];

  it.each(CONFIG_ROWS.map((row) => [row.name, row] as const))('%s: exit 2, one line, nothing done', async (_name, row) => {
    const s = scratch();
    const src = join(s.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'a');
    const before = snapshotHome(s.home);
    const r = await s.cli.run(...row.argv(src, s.dst));
    expect(r.code, r.err).toBe(2);
    const lines = r.err.split('\n');
    expect(lines.slice(0, -1), r.err).toHaveLength(1);
    expect(lines[0]).toMatch(/^ferry: /);
    expect(lines[0]).toContain(row.field);
    expect(lines[0]).toMatch(row.says);
    expect(r.err).not.toContain(env.secretAccessKey);
    expect(r.err).not.toContain(secrets.FERRY_WRONG_SECRET);
    expect(r.out).toBe('');
    expectNoStack(r.err);
    expect(snapshotHome(s.home)).toEqual(before);
    expect(existsSync(s.dst)).toBe(false);
    if (row.writesTo === 'bucket') expect(await listAllKeys(bucket, 'denied/')).toEqual([]);
  });
});
