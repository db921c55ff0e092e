// Acceptance test of the web console (issue "Web console and REST API"):
// `ferry serve` (the built CLI, `npm run build` first) as a child process,
// driven through Debian's Chromium by playwright-core as a person would:
// log in, add two addresses on Ceph RGW (source bucket of user 1 with a few
// objects, destination bucket of user 2) with the form's secret field, test
// their connections, create a job with the form, start it, watch it succeed,
// download the failed list (empty) and the migrated list. Every page is
// saved as a screenshot in test-artifacts/console/, and no page ever holds a
// secret. The pages' HTML, every network response and the downloads are
// kept in the run's artifacts for scripts/secrets-scan.mjs.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret, testArtifactsDir } from '../helpers/artifacts.js';
import { FerryProcess, killAllFerryChildren, REPO_ROOT, type RunningFerry } from '../helpers/ferry-child.js';
import { createTestBucket, emptyAndDeleteBucket, hasS3, listAllKeys, putObject, s3Env, type S3TestEnv } from '../helpers/s3-env.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-artifacts', 'console');
const TOKEN = `e2e-${Date.now().toString(36)}-console-token`;
const KEYS = ['docs/readme.txt', ...Array.from({ length: 8 }, (_, i) => `photos/202${i % 3}/img-${i}.jpg`), 'top-level.bin'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasS3() || !existsSync(CHROMIUM))('web console end to end (Chromium, Ceph RGW)', () => {
  const env = s3Env() as S3TestEnv;
  let srcBucket = '';
  let dstBucket = '';
  let ferry: FerryProcess;
  let serve: RunningFerry;
  let base = '';
  let browser: Browser;
  let page: Page;
  /** The HTML of every page seen, checked for secrets at the end. */
  const seen: { name: string; html: string }[] = [];
  /** Pages, network responses and downloads, for the secrets scan. */
  let pages = '';
  /** Network responses still being written to the artifacts. */
  const recording = new Set<Promise<void>>();

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    const html = await page.content();
    seen.push({ name, html });
    writeFileSync(join(pages, `${name}.html`), html);
  };

  /** Appends one response (status, headers, body) to console/responses.http. */
  const record = async (res: Response): Promise<void> => {
    let body: Buffer | string;
    try {
      // An event stream's body comes when the page leaves it, or never.
      body = await res.body();
    } catch (err) {
      body = `(no body: ${(err as Error).message.split('\n')[0] ?? ''})`;
    }
    const headers = await res.allHeaders().catch(() => ({}));
    const head = [`### ${res.request().method()} ${res.url()} -> ${res.status()}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    appendFileSync(join(pages, 'responses.http'), `${head.join('\n')}\n\n`);
    appendFileSync(join(pages, 'responses.http'), body);
    appendFileSync(join(pages, 'responses.http'), '\n\n');
  };

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'api', 'app.js'))) throw new Error('run npm run build first (the test drives bin/ferry.js, which loads dist/)');
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    pages = testArtifactsDir('console');
    registerSecret('console-e2e API token', TOKEN);
    srcBucket = await createTestBucket('console-src', 1);
    dstBucket = await createTestBucket('console-dst', 2);
    // 1 MiB each, copied at 1-2 MiB/s (the job's throttle): a few seconds, so the chart and live counts have something to show.
    for (const key of KEYS) await putObject(srcBucket, key, Buffer.alloc(1024 * 1024, `${key}\n`));

    ferry = new FerryProcess({});
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serve = ferry.spawn('serve', '--listen', `127.0.0.1:${port}`, '--token', TOKEN);
    await until('ferry serve to listen', () => serve.err().includes('web console and REST API on') || serve.child.exitCode !== null, 30_000);
    if (serve.child.exitCode !== null) throw new Error(`ferry serve exited: ${serve.err()}`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('response', (res) => {
      const done = record(res).catch(() => undefined);
      recording.add(done);
      void done.finally(() => recording.delete(done));
    });
    // The browser keeps no body of an event stream for playwright; DevTools reports each message.
    const cdp = await context.newCDPSession(page);
    cdp.on('Network.eventSourceMessageReceived', (m) => appendFileSync(join(pages, 'events.sse'), `event: ${m.eventName}\ndata: ${m.data}\n\n`));
    await cdp.send('Network.enable');
  });

  afterAll(async () => {
    await browser?.close();
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGINT');
      await Promise.race([serve.done, new Promise((r) => setTimeout(r, 10_000))]);
    }
    killAllFerryChildren();
    if (srcBucket) await emptyAndDeleteBucket(srcBucket);
    if (dstBucket) await emptyAndDeleteBucket(dstBucket);
  });

  it('logs in, adds two Ceph addresses, creates and runs a job, and downloads its reports', async () => {
    // ---- log in
    await page.goto(`${base}/jobs`);
    await page.waitForURL(/\/login\?next=%2Fjobs$/);
    await page.fill('#token', 'not-the-token-at-all');
    await page.click('#login-button');
    await page.waitForSelector('[data-field="token"] .field-error');
    expect(await page.textContent('[data-field="token"] .field-error')).toBe('This token is not valid.');
    await shot('01-login-error');
    await page.fill('#token', TOKEN);
    await page.click('#login-button');
    await page.waitForURL(`${base}/jobs`);
    await page.waitForSelector('#jobs-empty');
    await page.waitForSelector('#jobs-empty a.button');
    await shot('02-jobs-empty');

    // ---- addresses
    await page.click('nav a[href="/addresses"]');
    await page.waitForSelector('#addresses-empty');
    await shot('03-addresses-empty');

    const addAddress = async (name: string, bucket: string, keyId: string, secret: string, endpoint = env.endpoint): Promise<void> => {
      await page.click('#new-address');
      await page.fill('#address-name', name);
      await page.selectOption('#address-type', 's3');
      await page.selectOption('#provider', 'ceph');
      await page.fill('#endpoint', endpoint);
      await page.fill('#bucket', bucket);
      await page.check('input[name=cred][value=stored]');
      await page.fill('#access-key-id', keyId);
      await page.fill('#secret-access-key', secret);
      await page.click('#save-address');
    };
    // A mistake first: the API's error shows next to the field.
    await addAddress('ceph-src', srcBucket, env.accessKeyId, env.secretAccessKey, 'ceph.local');
    await page.waitForSelector('[data-field="endpoint"] .field-error');
    expect(await page.textContent('[data-field="endpoint"] .field-error')).toBe('must be an http(s) URL');
    await shot('04-address-form-error');
    await page.fill('#endpoint', env.endpoint);
    await page.click('#save-address');
    await page.waitForSelector('tr[data-address="ceph-src"]');
    await addAddress('ceph-dst', dstBucket, env.accessKeyId2, env.secretAccessKey2);
    await page.waitForSelector('tr[data-address="ceph-dst"]');
    // Editing without retyping the secret keeps the stored one (the connection test below proves it).
    await page.click('tr[data-address="ceph-dst"] button:has-text("Edit")');
    expect(await page.inputValue('#secret-access-key')).toBe('');
    expect(await page.inputValue('#access-key-id')).toBe('');
    await page.fill('#region', env.region);
    await page.click('#save-address');
    await page.waitForSelector('#flash.ok-box');
    expect(await page.textContent('#flash')).toContain('Saved address "ceph-dst"');
    for (const name of ['ceph-src', 'ceph-dst']) {
      await page.click(`button[data-test="${name}"]`);
      await page.waitForSelector(`[data-test-result="${name}"].ok`);
    }
    expect(await page.textContent('[data-test-result="ceph-src"]')).toMatch(/^✓ connected: .* lists objects/);
    expect(await page.textContent('[data-test-result="ceph-dst"]')).toMatch(/^✓ connected: .* is empty/);
    await shot('05-addresses');

    // ---- create a job
    await page.click('nav a[href="/jobs/new"]');
    await page.waitForSelector('#job-form');
    await page.fill('#name', 'console-e2e');
    await page.selectOption('#src-address', 'ceph-src');
    await page.selectOption('#dst-address', 'ceph-dst');
    await page.selectOption('#overwrite', 'different');
    await page.fill('#exclude', '*.tmp');
    await page.fill('#concurrency', '2');
    await page.click('#add-throttle-row');
    await page.fill('.throttle-table tbody tr:nth-child(1) .tt-rate', '2M');
    await page.click('#add-throttle-row');
    await page.fill('.throttle-table tbody tr:nth-child(2) .tt-time', '08:00');
    await page.fill('.throttle-table tbody tr:nth-child(2) .tt-rate', '0');
    expect(await page.textContent('#bwlimit-preview')).toBe('Bandwidth schedule: 00:00,2M 08:00,0');
    await page.click('#create-job');
    // A rate of 0 is refused by the same check as the CLI's, next to the throttle table.
    await page.waitForSelector('[data-field="throttle.bwlimit"] .field-error');
    expect(await page.textContent('[data-field="throttle.bwlimit"] .field-error')).toMatch(/write "off" for no limit/);
    await shot('06-new-job-error');
    await page.fill('.throttle-table tbody tr:nth-child(2) .tt-rate', '1M');
    await shot('07-new-job');
    await page.click('#create-job');
    await page.waitForURL(`${base}/jobs/console-e2e`);
    await page.waitForSelector('button[data-action="start"]');
    await shot('08-job-created');

    // ---- start it and watch it succeed
    await page.click('button[data-action="start"]');
    await page.waitForSelector('.page-head [data-state="migrating"]', { timeout: 30_000 });
    // Live: the counts and the chart move while it runs.
    await until('two objects migrated', async () => Number(await page.textContent('[data-stat="migrated"] .v')) >= 2, 30_000);
    await page.waitForTimeout(1500);
    await shot('09-job-running');
    await page.waitForSelector('.page-head [data-state="succeeded"]', { timeout: 120_000 });
    await page.waitForSelector('#failed-empty');
    await page.waitForSelector('[data-report="migrated"]');
    expect(await page.textContent('[data-stat="migrated"] .v')).toBe(String(KEYS.length));
    expect(await page.textContent('[data-stat="failed"] .v')).toBe('0');
    await shot('10-job-succeeded');

    // ---- downloads
    const download = async (kind: string): Promise<string> => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-report="${kind}"]`)]);
      expect(file.suggestedFilename()).toBe(`console-e2e-run1-${kind}.csv`);
      const text = readFileSync((await file.path())!, 'utf8');
      writeFileSync(join(pages, `download-${file.suggestedFilename()}`), text);
      return text;
    };
    const header = 'key,status,size,srcEtag,srcCrc64,dstEtag,dstCrc64,srcMtime,startedAt,endedAt,reason,error,attempts';
    const failed = await download('failed');
    expect(failed).toBe(`${header}\n`);
    const migrated = (await download('migrated')).trimEnd().split('\n');
    expect(migrated[0]).toBe(header);
    expect(migrated.slice(1).map((l) => l.split(',')[0])).toEqual([...KEYS].sort());
    expect(migrated.slice(1).every((l) => l.split(',')[1] === 'migrated')).toBe(true);
    expect(await listAllKeys(dstBucket, undefined, 2)).toEqual([...KEYS].sort());

    // ---- the jobs list with its progress bar
    await page.click('nav a[href="/jobs"]');
    await page.waitForSelector('tr[data-job="console-e2e"] [data-state="succeeded"]');
    expect(await page.getAttribute('tr[data-job="console-e2e"] [role=progressbar]', 'aria-valuenow')).toBe('100');
    await shot('11-jobs');

    // ---- no page ever held a secret (the API never returns one, the pages hold no data of their own)
    await Promise.race([Promise.allSettled([...recording]), new Promise((r) => setTimeout(r, 10_000))]);
    expect(readFileSync(join(pages, 'responses.http'), 'utf8')).toContain('/api/addresses -> 201');
    expect(readFileSync(join(pages, 'events.sse'), 'utf8')).toMatch(/^event: progress$/m);
    for (const { name, html } of seen) {
      for (const secret of [env.secretAccessKey, env.secretAccessKey2, env.accessKeyId, env.accessKeyId2, TOKEN]) {
        expect(html.includes(secret), `${name} shows a secret`).toBe(false);
      }
    }
    expect(serve.err()).not.toContain(env.secretAccessKey);
    expect(serve.out()).not.toContain(TOKEN);
  });
});
