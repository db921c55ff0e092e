import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { ferryErrorOf } from '../helpers/ferry-error-of.js';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AddressRepository,
  joinPrefix,
  maskKeyId,
  parseAddressInput,
  parseIni,
  redactAddress,
  resolveLocation,
  resolveSpec,
} from '../../src/addresses/index.js';
import { MIGRATIONS, openHome, runMigrations, SecretBox, userVersion, type FerryHome } from '../../src/home/index.js';
import { newHomeDir } from '../helpers/artifacts.js';
import { OTHER_EXAMPLE_SECRET as SECRET } from '../helpers/test-secrets.js';

let tmp: string;
let homeDir: string;
let home: FerryHome;
let repo: AddressRepository;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-addr-'));
  homeDir = newHomeDir('addresses');
  home = openHome(homeDir, {});
  repo = new AddressRepository(home.db, home.secretBox);
});

afterEach(() => {
  home.close();
  rmSync(tmp, { recursive: true, force: true });
});

function s3Input(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'prod',
    type: 's3',
    endpoint: 'https://oss-cn-hangzhou.aliyuncs.com/',
    bucket: 'my-bucket',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: SECRET,
    ...extra,
  };
}

const thrown = ferryErrorOf;

describe('openHome', () => {
  it('creates a private folder and a migrated WAL database', () => {
    expect(statSync(homeDir).mode & 0o777).toBe(0o700);
    expect(userVersion(home.db)).toBe(MIGRATIONS.length);
    expect(home.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(home.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(home.db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('reopens without re-running migrations and applies appended ones', () => {
    repo.add(s3Input());
    home.close();
    home = openHome(homeDir, {});
    expect(new AddressRepository(home.db, home.secretBox).list()).toHaveLength(1);
    runMigrations(home.db, [...MIGRATIONS, 'CREATE TABLE later_table (id INTEGER PRIMARY KEY)']);
    expect(userVersion(home.db)).toBe(MIGRATIONS.length + 1);
    runMigrations(home.db, [...MIGRATIONS, 'CREATE TABLE later_table (id INTEGER PRIMARY KEY)']);
  });

  it('refuses a database from a newer Ferry', () => {
    home.db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(thrown(() => runMigrations(home.db)).code).toBe('CONFIG');
  });
});

describe('SecretBox', () => {
  it('creates the key file (0600) on first use only and round-trips', () => {
    const keyFile = join(homeDir, 'secret.key');
    expect(existsSync(keyFile)).toBe(false);
    const sealed = home.secretBox.encrypt(SECRET);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile)).toHaveLength(32);
    // A fresh box for the same home reads the same key.
    expect(SecretBox.forHome(homeDir, {}).decrypt(sealed, 'prod')).toBe(SECRET);
  });

  it('says which address cannot be decrypted with a wrong key', () => {
    const sealed = home.secretBox.encrypt(SECRET);
    const other = SecretBox.fromKey(Buffer.alloc(32, 7));
    const err = thrown(() => other.decrypt(sealed, 'prod'));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toBe('cannot decrypt secret of address prod: wrong secret key?');
    expect(thrown(() => other.decrypt('garbage', 'prod')).code).toBe('CONFIG');
  });

  it('takes FERRY_SECRET_KEY as hex or base64 and never writes a key file then', () => {
    const key = Buffer.alloc(32, 42);
    const hexBox = SecretBox.forHome(homeDir, { FERRY_SECRET_KEY: key.toString('hex') });
    const b64Box = SecretBox.forHome(homeDir, { FERRY_SECRET_KEY: key.toString('base64') });
    expect(b64Box.decrypt(hexBox.encrypt('s'), 'x')).toBe('s');
    expect(existsSync(join(homeDir, 'secret.key'))).toBe(false);
    const bad = thrown(() => SecretBox.forHome(homeDir, { FERRY_SECRET_KEY: 'abcd' }).encrypt('s'));
    expect(bad.code).toBe('CONFIG');
    expect(bad.message).toContain('FERRY_SECRET_KEY');
    expect(bad.message).not.toContain('abcd');
  });
});

describe('AddressRepository', () => {
  it('adds, gets, lists, updates and removes', () => {
    const added = repo.add(s3Input());
    expect(added).toMatchObject({
      name: 'prod',
      type: 's3',
      provider: 'oss', // guessed from the endpoint
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      bucket: 'my-bucket',
      prefix: '',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    });
    expect(added.type === 's3' && added.secretEnc).toMatch(/^v1:/);
    repo.add({ name: 'disk', type: 'local', path: join(tmp, 'data') });
    expect(repo.list().map((a) => a.name)).toEqual(['disk', 'prod']);

    const updated = repo.update('disk', { name: 'disk2', type: 'local', path: '/srv/x', prefix: 'p' });
    expect(updated).toMatchObject({ name: 'disk2', path: '/srv/x', prefix: 'p' });
    expect(repo.find('disk')).toBeUndefined();

    repo.remove('disk2');
    expect(repo.list().map((a) => a.name)).toEqual(['prod']);
    const missing = thrown(() => repo.remove('disk2'));
    expect(missing.code).toBe('CONFIG');
    expect(missing.message).toBe('no address named "disk2" (see ferry address list)');
  });

  it('refuses a duplicate name', () => {
    repo.add(s3Input());
    const err = thrown(() => repo.add(s3Input()));
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe('NAME: address "prod" already exists');
  });

  it('round-trips a clear secret through encryption', () => {
    const spec = resolveSpec(repo.add(s3Input()), {}, home.secretBox);
    expect(spec).toMatchObject({
      type: 's3',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
    });
  });

  it('never writes the clear secret to the database files', () => {
    repo.add(s3Input());
    repo.add(s3Input({ name: 'prod2' }));
    const needle = Buffer.from(SECRET);
    const dbBytes = (): Buffer[] =>
      ['ferry.db', 'ferry.db-wal', 'ferry.db-shm']
        .map((f) => join(homeDir, f))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f));
    const open = dbBytes();
    expect(open.length).toBeGreaterThanOrEqual(2); // the WAL holds the fresh rows
    for (const bytes of open) expect(bytes.includes(needle)).toBe(false);
    home.close();
    for (const bytes of dbBytes()) expect(bytes.includes(needle)).toBe(false);
    home = openHome(homeDir, {});
    const row = home.db.prepare('SELECT config_json, secret_enc FROM addresses WHERE name = ?').get('prod') as {
      config_json: string;
      secret_enc: string;
    };
    expect(row.config_json).not.toContain(SECRET);
    expect(row.secret_enc).toMatch(/^v1:/);
  });

  it('stores an env-var secret as the variable name only', () => {
    const { secretAccessKey: _drop, ...input } = s3Input({ secretEnv: 'PROD_SECRET' });
    const added = repo.add(input);
    const row = home.db.prepare('SELECT secret_enc, secret_env FROM addresses').get() as Record<string, unknown>;
    expect(row).toEqual({ secret_enc: null, secret_env: 'PROD_SECRET' });
    expect(existsSync(join(homeDir, 'secret.key'))).toBe(false);

    const spec = resolveSpec(added, { PROD_SECRET: SECRET }, home.secretBox);
    expect(spec.type === 's3' && spec.credentials?.secretAccessKey).toBe(SECRET);
    const err = thrown(() => resolveSpec(added, { PROD_SECRET: '' }, home.secretBox));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toBe('address "prod": environment variable PROD_SECRET is not set');
  });

  it('reads an AWS profile at resolve time', () => {
    const file = join(tmp, 'credentials');
    writeFileSync(
      file,
      '# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n' +
        '[backup]\nAWS_ACCESS_KEY_ID=AKIABACKUP\naws_secret_access_key = b/+=\naws_session_token = tok\ns3 =\n  max_concurrent_requests = 2\n',
    );
    const added = repo.add({ name: 'bk', type: 's3', endpoint: 'https://s3.amazonaws.com', bucket: 'b', profile: 'backup' });
    const env = { AWS_SHARED_CREDENTIALS_FILE: file };
    expect(resolveSpec(added, env, home.secretBox)).toMatchObject({
      provider: 'aws',
      credentials: { accessKeyId: 'AKIABACKUP', secretAccessKey: 'b/+=', sessionToken: 'tok' },
    });
    expect(redactAddress(added).secret).toBe('profile:backup');
    const other = repo.add({ name: 'nope', type: 's3', endpoint: 'https://x.test', bucket: 'b', profile: 'nope' });
    expect(thrown(() => resolveSpec(other, env, home.secretBox)).message).toContain('profile "nope" not found');
  });

  it('treats an address without key id as anonymous', () => {
    const added = repo.add({ name: 'pub', type: 's3', endpoint: 'http://127.0.0.1:9000', bucket: 'b', provider: 'minio' });
    expect(resolveSpec(added, {}, home.secretBox)).toMatchObject({ provider: 'minio', credentials: undefined });
  });

  it('redacts secrets for display', () => {
    const shown = redactAddress(repo.add(s3Input()));
    expect(JSON.stringify(shown)).not.toContain(SECRET);
    expect(shown.secret).toBe('****');
    expect(shown.accessKeyId).toBe('AKIA…');
    expect(maskKeyId('short')).toBe('****');
  });
});

describe('parseAddressInput', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ name: 'a', type: 's3', bucket: 'b' }, '--endpoint: is required'],
    [{ name: 'a', type: 's3', endpoint: 'ftp://x', bucket: 'b' }, '--endpoint: must be an http(s) URL'],
    [{ name: 'a', type: 's3', endpoint: 'https://x', bucket: 'a/b' }, '--bucket: must not contain /, spaces or control characters'],
    [{ name: 'a', type: 'local', path: '/x', bucket: 'b' }, '--bucket is not used with --type local'],
    [{ name: '-a', type: 'local', path: '/x' }, 'NAME: must start with a letter or digit'],
    [{ name: 'a', type: 'nfs' }, '--type: must be one of s3, local, http-list'],
    [{ name: 'a' }, '--type: is required'],
    [{ name: 'a', type: 'http-list', list: '/does/not/exist' }, '--list: must be an existing file'],
    [{ name: 'a', type: 's3', endpoint: 'https://x', bucket: 'b', secretEnv: '1X', accessKeyId: 'k' }, '--secret-env: must be an environment variable name'],
    [{ name: 'a', type: 's3', endpoint: 'https://x', bucket: 'b', secretEnv: 'X' }, '--access-key-id: is required with --secret-env'],
    [{ name: 'a', type: 's3', endpoint: 'https://x', bucket: 'b', accessKeyId: 'k' }, '--access-key-id: needs a secret'],
    [{ name: 'a', type: 's3', endpoint: 'https://x', bucket: 'b', profile: 'p', accessKeyId: 'k' }, '--access-key-id: cannot be used with --profile'],
  ];
  it.each(cases)('%j -> %s', (input, message) => {
    const err = thrown(() => parseAddressInput(input));
    expect(err.code).toBe('USAGE');
    expect(err.message.startsWith(message)).toBe(true);
  });

  it('makes local paths absolute', () => {
    expect(parseAddressInput({ name: 'a', type: 'local', path: '~/x' })).toMatchObject({ path: join(homedir(), 'x') });
    expect(parseAddressInput({ name: 'a', type: 'local', path: 'rel' })).toMatchObject({ path: join(process.cwd(), 'rel') });
  });
});

describe('resolveLocation', () => {
  beforeEach(() => {
    repo.add(s3Input({ prefix: 'base' }));
    repo.add({ name: 'disk', type: 'local', path: '/srv/data' });
  });
  const resolve = (arg: string) => resolveLocation(arg, repo, {}, home.secretBox, { field: 'SRC', cwd: '/work' });

  it('reads /, . and ~ as local paths', () => {
    expect(resolve('/abs/dir')).toEqual({ type: 'local', path: '/abs/dir', prefix: '' });
    expect(resolve('./rel')).toEqual({ type: 'local', path: '/work/rel', prefix: '' });
    expect(resolve('../up')).toEqual({ type: 'local', path: '/up', prefix: '' });
    expect(resolve('~')).toEqual({ type: 'local', path: homedir(), prefix: '' });
    expect(resolve('~/d')).toEqual({ type: 'local', path: join(homedir(), 'd'), prefix: '' });
  });

  it('reads NAME and NAME:sub as addresses, joining prefixes', () => {
    expect(resolve('prod')).toMatchObject({ type: 's3', bucket: 'my-bucket', prefix: 'base' });
    expect(resolve('prod:')).toMatchObject({ prefix: 'base' });
    expect(resolve('prod:2024/01/')).toMatchObject({ prefix: 'base/2024/01/' });
    expect(resolve('disk:photos')).toEqual({ type: 'local', name: 'disk', path: '/srv/data', prefix: 'photos' });
    expect(joinPrefix('a/', 'b')).toBe('a/b');
    expect(joinPrefix('', 'b')).toBe('b');
  });

  it('refuses anything else', () => {
    for (const arg of ['unknown', 'unknown:x', 'data/dir', 'has space']) {
      const err = thrown(() => resolve(arg));
      expect(err.code).toBe('USAGE');
      expect(err.message).toBe(`SRC: "${arg}" is neither a known address nor a local path (local paths start with / . or ~)`);
    }
    expect(thrown(() => resolve('disk:../etc')).message).toContain('..');
    expect(thrown(() => resolve('~bob/x')).message).toContain('only ~ and ~/');
  });
});

describe('parseIni', () => {
  it('reads sections and keys, skipping comments and nested blocks', () => {
    const ini = parseIni('; c\n[a]\nk = v = w\n# c\n[ b ]\nx=1\nnested =\n  y = 2\nz = 3\n');
    expect(Object.fromEntries(ini.get('a') ?? [])).toEqual({ k: 'v = w' });
    expect(Object.fromEntries(ini.get('b') ?? [])).toEqual({ x: '1', nested: '', z: '3' });
  });
});
