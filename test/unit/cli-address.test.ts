import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { newHomeDir } from '../helpers/artifacts.js';
import { captureContext } from '../helpers/capture-context.js';
import { OTHER_EXAMPLE_SECRET as SECRET } from '../helpers/test-secrets.js';
const S3 = ['--type', 's3', '--endpoint', 'https://cos.ap-guangzhou.myqcloud.com', '--bucket', 'media-1250000000'];

let tmp: string;
let home: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
  home = newHomeDir('address');
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const c = captureContext(home, env, args);
  const code = await main(args, c.ctx);
  return { code, out: c.out(), err: c.err() };
}

describe('ferry address', () => {
  it('adds, lists, shows and removes', async () => {
    const added = await run(['address', 'add', 'media', ...S3, '--prefix', 'img/', '--access-key-id', 'AKIDEXAMPLE123', '--secret-env', 'COS_SECRET']);
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.out).toContain('added address "media": s3[cos] https://cos.ap-guangzhou.myqcloud.com/media-1250000000/img/');

    expect((await run(['address', 'add', 'disk', '--type', 'local', '--path', join(tmp, 'data')])).code).toBe(0);
    const listFile = join(tmp, 'urls.txt');
    writeFileSync(listFile, 'https://example.com/a.jpg\ta.jpg\n');
    expect((await run(['address', 'add', 'urls', '--type', 'http-list', '--list', listFile])).code).toBe(0);

    const list = await run(['address', 'list']);
    expect(list.code).toBe(0);
    const lines = list.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+LOCATION\s+SECRET$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['disk', 'media', 'urls']);
    expect(list.out).toContain('env:COS_SECRET');

    const json = JSON.parse((await run(['address', 'list', '--json'])).out) as Array<Record<string, unknown>>;
    expect(json.map((a) => a.name)).toEqual(['disk', 'media', 'urls']);
    expect(json[1]).toMatchObject({ type: 's3', provider: 'cos', prefix: 'img/', accessKeyId: 'AKID…', secret: 'env:COS_SECRET' });

    const show = await run(['address', 'show', 'media']);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/^name:\s+media$/m);
    expect(show.out).toMatch(/^bucket:\s+media-1250000000$/m);
    expect(JSON.parse((await run(['address', 'show', 'disk', '--json'])).out)).toMatchObject({
      name: 'disk',
      type: 'local',
      path: join(tmp, 'data'),
    });

    expect(await run(['address', 'remove', 'disk'])).toMatchObject({ code: 0, out: 'removed address "disk"\n' });
    expect((await run(['address', 'list', '--json'])).out).not.toContain('"disk"');
  });

  it('accepts a secret on the command line with a hint, and never shows it', async () => {
    const added = await run(['address', 'add', 'prod', ...S3, '--access-key-id', 'AKIDEXAMPLE123', '--secret-access-key', SECRET]);
    expect(added.code).toBe(0);
    expect(added.err).toMatch(/^hint: .*--secret-env.*\n$/);
    expect(added.out).not.toContain(SECRET);

    for (const args of [['address', 'show', 'prod'], ['address', 'show', 'prod', '--json'], ['address', 'list'], ['address', 'list', '--json']]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.out + r.err).not.toContain(SECRET);
      expect(r.out).toContain('****');
      expect(r.out).not.toContain('AKIDEXAMPLE123');
    }
    const files = ['ferry.db', 'ferry.db-wal'].map((f) => join(home, f)).filter((f) => existsSync(f));
    expect(files.some((f) => readFileSync(f).includes(Buffer.from(SECRET)))).toBe(false);
  });

  it('shows an empty list helpfully', async () => {
    expect(await run(['address', 'list'])).toMatchObject({ code: 0, out: 'no addresses yet (see ferry address add --help)\n' });
    expect(await run(['address', 'list', '--json'])).toMatchObject({ code: 0, out: '[]\n' });
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['missing --endpoint', ['--type', 's3', '--bucket', 'b'], /--endpoint: is required/],
    ['bad URL', ['--type', 's3', '--endpoint', 'not a url', '--bucket', 'b'], /--endpoint: must be an http\(s\) URL/],
    ['unknown --provider', [...S3, '--provider', 'dropbox'], /--provider: must be one of aws, oss, cos/],
    ['both secrets', [...S3, '--access-key-id', 'k', '--secret-access-key', 's', '--secret-env', 'V'], /--secret-env: cannot be used with --secret-access-key/],
    ['--bucket with local', ['--type', 'local', '--path', '/tmp', '--bucket', 'b'], /--bucket is not used with --type local/],
    ['--path with s3', [...S3, '--path', '/tmp'], /--path is not used with --type s3/],
    ['unknown flag', [...S3, '--bucekt', 'x'], /unknown option '--bucekt'/],
    ['missing --type', ['--path', '/tmp'], /--type: is required/],
    ['bad secret env name', [...S3, '--access-key-id', 'k', '--secret-env', 'MY-VAR'], /--secret-env: must be an environment variable name/],
  ];
  it.each(bad)('refuses %s with exit 2 and one line naming the flag', async (_label, flags, message) => {
    const r = await run(['address', 'add', 'x', ...flags]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toContain(' s\n'); // the clear secret of the "both secrets" case
  });

  it('refuses a duplicate name', async () => {
    expect((await run(['address', 'add', 'dup', '--type', 'local', '--path', tmp])).code).toBe(0);
    const r = await run(['address', 'add', 'dup', '--type', 'local', '--path', tmp]);
    expect(r).toMatchObject({ code: 2, err: 'ferry: NAME: address "dup" already exists\n' });
  });

  it('refuses show, remove and test of a missing name', async () => {
    for (const cmd of ['show', 'remove', 'test']) {
      const r = await run(['address', cmd, 'ghost']);
      expect(r).toMatchObject({ code: 2, out: '', err: 'ferry: no address named "ghost" (see ferry address list)\n' });
    }
  });

  it('test lists one object of a working address', async () => {
    const dir = join(tmp, 'data');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'b.txt'), 'b');
    expect((await run(['address', 'add', 'disk', '--type', 'local', '--path', dir])).code).toBe(0);
    const r = await run(['address', 'test', 'disk']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: listed 1 object\(s\) in \d+ms\n$/);
  });

  it('test reports a failure on one line with exit 2', async () => {
    expect((await run(['address', 'add', 'anon', ...S3, '--access-key-id', 'k', '--secret-env', 'UNSET_VAR'])).code).toBe(0);
    const r = await run(['address', 'test', 'anon']);
    expect(r).toMatchObject({ code: 2, out: '', err: 'ferry: address "anon": environment variable UNSET_VAR is not set\n' });
  });
});
