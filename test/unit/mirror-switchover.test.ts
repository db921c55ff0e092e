// ferry switchover: the four steps checked against a real job database (jobs
// run for real on local folders) and a real mirror; and ferry mirror's flags.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHome } from '../../src/home/index.js';
import { JobRepository, type RunRow } from '../../src/jobs/job-repository.js';
import { mirrorIdentity, planSwitchover, startMirror, type RunningMirror, type SwitchoverPlan } from '../../src/mirror/index.js';
import { FerryCli } from '../helpers/ferry-cli.js';

function folders(): { src: string; dst: string } {
  const root = mkdtempSync(join(tmpdir(), 'ferry-switchover-'));
  const src = join(root, 'src');
  mkdirSync(join(src, 'd'), { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(join(src, 'd', `f${i}.txt`), `content ${i}`);
  mkdirSync(join(root, 'dst'));
  return { src, dst: join(root, 'dst') };
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const closeServer = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

describe('ferry switchover', () => {
  const toClose: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of toClose) await c();
  });

  it('walks a job through the four steps, each checked, and exits 0 only when all hold', async () => {
    const { src, dst } = folders();
    const cli = new FerryCli();
    await cli.ok(0, 'job', 'create', 'photos', '--src', src, '--dst', dst);

    // Before any run: step 1 is open and says what to do.
    const before = (await cli.ok(1, 'switchover', 'photos', '--json')).json<SwitchoverPlan>();
    expect(before.steps.map((s) => s.done)).toEqual([false, false, false, false]);
    expect(before.steps[0]).toMatchObject({ detail: 'the job has not run yet', next: 'ferry job start photos' });
    expect((await cli.run('switchover', 'photos', '--t2', 'now')).code).toBe(2);

    await cli.ok(0, 'job', 'start', 'photos', '--json');
    const home = openHome(cli.home, cli.env);
    const run1 = new JobRepository(home.db).runs('photos')[0]!;
    home.close();
    const t1 = run1.startedAt;

    const afterFull = await cli.ok(1, 'switchover', 'photos');
    expect(afterFull.out).toContain(`[✓] 1. Migrate everything modified before T1: run 1 (full) complete; T1 = ${new Date(t1).toISOString()}`);
    expect(afterFull.out).toContain('[ ] 2. Back-to-origin mirror running: no mirror URL given');
    expect(afterFull.out).toContain(`next: ferry mirror --src ${src} --dst ${dst} --listen 127.0.0.1:9080`);
    expect(afterFull.out).toContain('[ ] 3. Business switched to the mirror at T2: T2 not recorded yet');

    // A real mirror of the job's folders answers; T2 must come after T1.
    const mirror: RunningMirror = await startMirror({ src: { type: 'local', path: src, prefix: '' }, dst: { type: 'local', path: dst, prefix: '' }, bucket: 'photos', listen: { host: '127.0.0.1', port: 0 }, credentials: [{ accessKeyId: 'K', secretAccessKey: 'S' }] });
    toClose.push(() => mirror.close());
    const early = await cli.run('switchover', 'photos', '--mirror', mirror.url, '--t2', new Date(t1 - 1000).toISOString());
    expect(early.code).toBe(2);
    expect(early.err.trim().split('\n')).toHaveLength(1);
    expect(early.err).toContain('--t2: must be after T1');

    const switched = (await cli.ok(1, 'switchover', 'photos', '--mirror', mirror.url, '--t2', 'now', '--json')).json<SwitchoverPlan>();
    expect(switched.steps.map((s) => s.done)).toEqual([true, true, true, false]);
    expect(switched.steps[1]!.detail).toBe(`a Ferry mirror for this job's source and destination answers at ${mirror.url}`);
    const t1Arg = new Date(Math.floor(t1 / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    expect(switched.steps[3]!.next).toBe(`ferry job set photos --since ${t1Arg} && ferry job start photos`);
    expect(switched.t1Ms).toBe(t1);
    expect(switched.t2Ms).toBeGreaterThan(t1);

    // Mirror URL and T2 are remembered; the step-4 command, run as printed, closes the last step.
    for (const command of switched.steps[3]!.next!.split(' && ')) await cli.ok(0, ...command.split(' ').slice(1));
    const finished = await cli.ok(0, 'switchover', 'photos', '--json');
    const plan = finished.json<SwitchoverPlan>();
    expect(plan.done).toBe(true);
    expect(plan.steps[3]!.detail).toBe(`run 2 (since ${new Date(Math.floor(t1 / 1000) * 1000).toISOString()}) started after T2 and is complete`);
    // Once step 4 is done, the mirror may go.
    await mirror.close();
    const later = await cli.ok(0, 'switchover', 'photos');
    expect(later.out).toMatch(/\[✓\] 2\. Back-to-origin mirror running: nothing answers at .*; no longer needed: step 4 is done/);
    expect(later.out).toContain('All four steps hold');
  });

  it('tells a mirror of another pair, and a server that is not a Ferry mirror, from the job\'s mirror', async () => {
    const { src, dst } = folders();
    const cli = new FerryCli();
    await cli.ok(0, 'job', 'create', 'j', '--src', src, '--dst', dst);
    await cli.ok(0, 'job', 'start', 'j', '--json');
    const other = mirrorIdentity({ type: 'local', path: src, prefix: '' }, { type: 'local', path: `${dst}-elsewhere`, prefix: '' });
    const wrong = await listen((_req, res) => res.writeHead(403, { 'x-ferry-mirror': other }).end());
    const plain = await listen((_req, res) => res.writeHead(200).end('hello'));
    const right = await listen((_req, res) => res.writeHead(403, { 'x-ferry-mirror': mirrorIdentity({ type: 'local', path: src, prefix: '' }, { type: 'local', path: dst, prefix: '' }) }).end());
    toClose.push(() => closeServer(wrong.server), () => closeServer(plain.server), () => closeServer(right.server));
    const step2 = async (url: string): Promise<{ done: boolean; detail: string }> => (await cli.ok(1, 'switchover', 'j', '--mirror', url, '--json')).json<SwitchoverPlan>().steps[1]!;
    expect(await step2(wrong.url)).toMatchObject({ done: false, detail: `the Ferry mirror at ${wrong.url} serves another source/destination pair than this job` });
    expect(await step2(plain.url)).toMatchObject({ done: false, detail: `${plain.url} answers (HTTP 200) but is not a Ferry mirror` });
    // An unauthenticated probe refused with 403 still shows the mirror runs.
    expect(await step2(right.url)).toMatchObject({ done: true });
    const port = new URL(right.url).port;
    await closeServer(right.server);
    expect((await step2(`http://127.0.0.1:${port}`)).detail).toMatch(/^nothing answers at /);
    expect((await cli.run('switchover', 'j', '--mirror', 'ftp://x')).code).toBe(2);
    expect((await cli.run('switchover', 'nosuchjob')).code).toBe(2);
  });

  it('counts a failed run completed by a retry as step 1, and wants step 4 to start after T2', () => {
    const run = (number: number, kind: RunRow['kind'], state: RunRow['state'], startedAt: number, sinceMs: number | null = null): RunRow => ({
      job: 'j', number, kind, sinceMs, state, listingDone: true, listRequests: 0, retries: 0, bytesMoved: 0, rateBps: 0, rateOps: 0, error: null, startedAt, endedAt: startedAt + 10,
    });
    const job = { name: 'j', spec: { src: 'a', dst: 'b' } } as Parameters<typeof planSwitchover>[0]['job'];
    const runs = [run(1, 'full', 'failed', 1000), run(2, 'retry', 'failed', 2000), run(3, 'retry', 'succeeded', 3000), run(4, 'full', 'succeeded', 5000, 1000), run(5, 'full', 'succeeded', 9000, 1500)];
    const at = (t2Ms: number): SwitchoverPlan => planSwitchover({ job, runs, t2Ms, now: 10_000 });
    expect(at(4000).t1Ms).toBe(1000);
    expect(at(4000).steps[3]).toMatchObject({ done: true, detail: expect.stringContaining('run 4') });
    // Run 5 started after this T2 but only covers objects since 1500, after T1: it does not count.
    expect(at(6000).steps[3]).toMatchObject({ done: false, next: 'ferry job set j --since 1970-01-01T00:00:01Z && ferry job start j' });
    expect(at(20_000).steps[2]).toMatchObject({ done: false, detail: expect.stringContaining('still to come') });
    expect(planSwitchover({ job, runs: runs.slice(0, 2), now: 10_000 }).steps[0]!.done).toBe(false);
  });
});

describe('ferry mirror: bad input is one line, exit 2, nothing started', () => {
  const { src, dst } = folders();
  const cli = new FerryCli(undefined, { MIRROR_SECRET: 's3cr3t-value' });
  const cases: [string, string[], RegExp][] = [
    ['no --dst', ['--src', src], /--dst/],
    ['a bad --listen', ['--src', src, '--dst', dst, '--bucket', 'b1b', '--anonymous-read', '--listen', 'nope'], /--listen/],
    ['a key without its secret', ['--src', src, '--dst', dst, '--bucket', 'b1b', '--access-key-id', 'K'], /--secret-env/],
    ['a secret variable that is not set', ['--src', src, '--dst', dst, '--bucket', 'b1b', '--access-key-id', 'K', '--secret-env', 'NOT_SET_ANYWHERE'], /NOT_SET_ANYWHERE is not set/],
    ['no credentials and no anonymous reads', ['--src', src, '--dst', dst, '--bucket', 'b1b'], /--access-key-id/],
    ['a local destination without --bucket', ['--src', src, '--dst', dst, '--anonymous-read'], /--bucket/],
    ['a bad bucket name', ['--src', src, '--dst', dst, '--bucket', 'Bad_Name', '--anonymous-read'], /--bucket/],
    ['the same location twice', ['--src', src, '--dst', src, '--bucket', 'b1b', '--anonymous-read'], /--dst: is the same location/],
    ['an unknown address', ['--src', 'nosuchaddress', '--dst', dst, '--bucket', 'b1b', '--anonymous-read'], /nosuchaddress/],
    ['a part size below 5 MiB', ['--src', src, '--dst', dst, '--bucket', 'b1b', '--anonymous-read', '--part-size', '1MiB'], /--part-size/],
    ['a multipart threshold above 5 GiB', ['--src', src, '--dst', dst, '--bucket', 'b1b', '--anonymous-read', '--multipart-threshold', '6GiB'], /--multipart-threshold/],
    ['an unknown flag', ['--src', src, '--dst', dst, '--bucket', 'b1b', '--anonymous-read', '--secret-access-key', 'x'], /unknown option/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await cli.run('mirror', ...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
      expect(r.err).not.toContain('s3cr3t-value');
    });
  }

  it('a port already in use', async () => {
    const busy = await listen((_req, res) => res.end());
    try {
      const r = await cli.run('mirror', '--src', src, '--dst', dst, '--bucket', 'b1b', '--anonymous-read', '--listen', new URL(busy.url).host);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--listen: .* is already in use/);
    } finally {
      await closeServer(busy.server);
    }
  });
});
