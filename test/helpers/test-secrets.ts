// The secrets tests hand to Ferry, in one place, so that scripts/secrets-scan.mjs
// can look for every one of them in what a test run leaves behind (homes,
// logs, API responses, console pages, reports). The scan cannot import
// TypeScript, so the values reach it through a registry file in the run's
// artifacts folder: the global setup writes the fixed ones below, a test
// that makes one up at run time calls registerSecret() (artifacts.ts). The Ceph users'
// keys need no registering: the scan reads them from s3.env itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The AWS documentation's example secret key (as in test vectors). */
export const AWS_EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
/** A variant of it, for tests that want a secret no other test uses. */
export const OTHER_EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
/** An STS session token (sent as a header, never stored in clear). */
export const EXAMPLE_SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';
/** The API token of ApiHarness (test/helpers/api-app.ts). */
export const API_TEST_TOKEN = 'test-token-4f1c2a9e7b';
/** Tokens given to `ferry serve` by flag and by FERRY_TOKEN in the token tests. */
export const FLAG_TOKEN = 'my-own-token-123';
export const ENV_TOKEN = 'env-token-456789';
/** A secret only a queue worker's environment holds. */
export const WORKER_SIDE_SECRET = 'worker-side-secret';

const FIXED: Record<string, string> = {
  'aws example secret': AWS_EXAMPLE_SECRET,
  'other example secret': OTHER_EXAMPLE_SECRET,
  'example session token': EXAMPLE_SESSION_TOKEN,
  'api test token': API_TEST_TOKEN,
  'flag token': FLAG_TOKEN,
  'env token': ENV_TOKEN,
  'worker-side secret': WORKER_SIDE_SECRET,
};

/** The secret keys in the ossimport job.cfg fixtures (`ferry job import` seals them into the home). */
export function fixtureSecrets(): Record<string, string> {
  const root = join(REPO_ROOT, 'test', 'fixtures', 'ossimport');
  const out: Record<string, string> = {};
  for (const kind of readdirSync(root)) {
    let cfg: string;
    try {
      cfg = readFileSync(join(root, kind, 'job.cfg'), 'utf8');
    } catch {
      continue;
    }
    for (const m of cfg.matchAll(/^(src|dest)SecretKey=(.+)$/gm)) {
      const value = (m[2] ?? '').trim();
      // The youpai sample's operator password is the word "password": too common to look for (and never imported).
      if (value && !/^[a-z]+$/.test(value)) out[`ossimport ${kind} ${m[1] ?? ''}SecretKey`] = value;
    }
  }
  return out;
}

/** Every fixed test secret, by label. */
export function fixedSecrets(): Record<string, string> {
  return { ...FIXED, ...fixtureSecrets() };
}
