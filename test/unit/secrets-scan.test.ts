// scripts/secrets-scan.mjs, run as `npm test` runs it, on planted folders in
// os.tmpdir() (never under test-artifacts/: the real scan must not see the
// planted secrets). The clean folder holds a real Ferry home with a secret
// sealed in its database, so "0 found" is checked on the real thing.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AddressRepository } from '../../src/addresses/index.js';
import { KEY_FILE, openHome } from '../../src/home/index.js';
import { REPO_ROOT } from '../helpers/artifacts.js';

const SCAN = join(REPO_ROOT, 'scripts', 'secrets-scan.mjs');

/** A secret like RGW's: 40 characters of base64, with at least one "/" (so its URL-encoded form differs). */
const made = (): string => `${randomBytes(30).toString('base64').slice(0, 36)}/a+B`;

let root: string;
let run: string;
let ceph: string;
let secret1: string;
let secret2: string;
let token: string;

interface Scan {
  code: number;
  out: string;
}

async function scan(folder: string, env: Record<string, string> = {}): Promise<Scan> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCAN, folder], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CEPH_BASE: ceph, REDIS_BASE: ceph, ...env },
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** A run folder with one file of each kind the scan requires, and a home with a sealed secret. */
function cleanRun(): { home: string } {
  writeFileSync(join(run, 'owner.json'), '{"pid":1,"startedAt":0}\n');
  writeFileSync(join(run, 'registered-secrets.jsonl'), `${JSON.stringify({ label: 'planted token', value: token })}\n`);
  const t = join(run, 'unit-x');
  const home = join(t, 'homes', 'cli-abc');
  const h = openHome(home, {});
  new AddressRepository(h.db, h.secretBox).add({
    name: 'src', type: 's3', endpoint: 'http://127.0.0.1:7480', bucket: 'b', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: secret1,
  });
  h.close();
  mkdirSync(join(home, 'jobs', 'j', 'runs', '1'), { recursive: true });
  writeFileSync(join(home, 'jobs', 'j', 'runs', '1', 'total.csv'), 'key,status\na.txt,migrated\n');
  mkdirSync(join(t, 'logs'));
  writeFileSync(join(t, 'logs', '001-address-add.log'), '# ferry address add src --secret-access-key ***\n# stdout\nadded address "src"\n# exit 0\n');
  mkdirSync(join(t, 'api'));
  writeFileSync(join(t, 'api', '001-api.http'), '### GET /api/addresses -> 200\ncontent-type: application/json\n\n[{"name":"src","secret":"****"}]\n\n');
  mkdirSync(join(t, 'console'));
  writeFileSync(join(t, 'console', '01-login.html'), '<html><body data-page="login"></body></html>');
  return { home };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-scan-'));
  run = join(root, 'run');
  ceph = join(root, 'ceph');
  mkdirSync(run);
  mkdirSync(ceph);
  secret1 = made();
  secret2 = made();
  token = `tok-${randomBytes(12).toString('hex')}`;
  writeFileSync(join(ceph, 's3.env'), `S3_ENDPOINT=http://127.0.0.1:7480\nS3_ACCESS_KEY=A1\nS3_SECRET_KEY=${secret1}\nS3_ACCESS_KEY_2=A2\nS3_SECRET_KEY_2=${secret2}\n`);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const summary = (out: string): string => out.split('\n').find((l) => /files, .* MB, /.test(l)) ?? '';

describe('scripts/secrets-scan.mjs', () => {
  it('passes a clean run: a real home with a sealed secret, a log, an API response, a page, a report', async () => {
    cleanRun();
    const r = await scan(run);
    expect(r.out).not.toContain('FOUND');
    expect(summary(r.out)).toMatch(/^secrets-scan: 6 files, .* MB, 4 secrets × up to \d+ forms \(\d+ patterns\), 0 found$/);
    expect(r.out).toContain('kinds: 1 database, 1 log, 1 API response, 1 console page, 1 report');
    expect(r.out).toContain('skipped: 1 × the list of secrets itself, 1 × a home key file (0600)');
    expect(r.code).toBe(0);
  });

  it('finds a secret in clear inside a binary file, at its byte offset, without printing it', async () => {
    const { home } = cleanRun();
    const before = randomBytes(5000);
    writeFileSync(join(home, 'ferry.db-wal'), Buffer.concat([before, Buffer.from(secret1), randomBytes(3000)]));
    const r = await scan(run);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FOUND Ceph user 1 secret key (${join(ceph, 's3.env')}) (clear) in unit-x/homes/cli-abc/ferry.db-wal at byte 5,000\n`);
    expect(summary(r.out)).toMatch(/, 1 found$/);
    expect(r.out).not.toContain(secret1);
  });

  it('finds a secret inside a larger base64 blob at any alignment, and URL-encoded', async () => {
    cleanRun();
    for (const [i, pad] of ['', 'x', 'xy'].entries()) {
      const blob = Buffer.from(`${pad}{"token":"${token}"}`).toString('base64');
      writeFileSync(join(run, 'unit-x', 'logs', `b64-${i}.log`), `cookie: s=${blob}; path=/\n`);
    }
    writeFileSync(join(run, 'unit-x', 'api', '002-api.http'), `### GET /x?key=${encodeURIComponent(secret2)} -> 302\n`);
    const r = await scan(run);
    expect(r.code).toBe(1);
    const found = r.out.split('\n').filter((l) => l.includes('FOUND'));
    expect(found).toHaveLength(4);
    for (const i of [0, 1, 2]) expect(r.out).toMatch(new RegExp(`FOUND planted token \\(base64( \\+\\d)?\\) in unit-x/logs/b64-${i}\\.log at byte \\d+`));
    expect(r.out).toMatch(/FOUND Ceph user 2 secret key \(.*\) \(URL-encoded\) in unit-x\/api\/002-api\.http at byte 15\n/);
    for (const s of [secret2, token, encodeURIComponent(secret2)]) expect(r.out).not.toContain(s);
  });

  it("reports a home's key outside its key file, and a key file others can read", async () => {
    const { home } = cleanRun();
    const key = readFileSync(join(home, KEY_FILE));
    expect(key).toHaveLength(32);
    appendFileSync(join(run, 'unit-x', 'logs', '001-address-add.log'), `debug: key ${key.toString('hex')}\n`);
    let r = await scan(run);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FOUND home key unit-x\/homes\/cli-abc\/secret\.key \(hex\) in unit-x\/logs\/001-address-add\.log at byte \d+/);

    writeFileSync(join(run, 'unit-x', 'logs', '001-address-add.log'), 'clean again\n');
    chmodSync(join(home, KEY_FILE), 0o644);
    r = await scan(run);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FOUND home key unit-x/homes/cli-abc/secret.key (raw bytes) in unit-x/homes/cli-abc/secret.key at byte 0');
  });

  it('fails on an empty folder and on one missing a kind of artifact, unless that kind is waived', async () => {
    const empty = await scan(run);
    expect(empty.code).toBe(1);
    expect(empty.out).toMatch(/no registered-secrets\.jsonl under .*not a test run's artifacts/);
    expect((await scan(join(root, 'nowhere'))).code).toBe(1);

    cleanRun();
    rmSync(join(run, 'unit-x', 'console'), { recursive: true });
    const noConsole = await scan(run);
    expect(noConsole.code).toBe(1);
    expect(noConsole.out).toContain('no console page files: the tests did not leave their artifacts, so this scan proves nothing');
    expect(summary(noConsole.out)).toMatch(/, 0 found$/);
    expect((await scan(run, { SECRETS_SCAN_ALLOW_MISSING: 'console' })).code).toBe(0);
  });

  it('refuses to pass without the Ceph keys when CI demands the servers', async () => {
    cleanRun();
    const r = await scan(run, { CEPH_BASE: join(root, 'no-ceph'), FERRY_REQUIRE_S3: '1' });
    expect(r.code).toBe(2);
    expect(r.out).toContain('FERRY_REQUIRE_S3 is set but the Ceph secret keys are nowhere');
  });
});
