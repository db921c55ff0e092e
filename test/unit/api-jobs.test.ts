import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { thisOwner } from '../../src/jobs/job-owner.js';
import { ApiHarness } from '../helpers/api-app.js';

interface ErrorAnswer {
  error: { code: string; message: string; field: string | null };
}
interface Counts {
  migrated: number;
  failed: number;
  skipped: number;
  toCopy: number;
}
interface Job {
  name: string;
  state: string;
  running: boolean;
  desired: string | null;
  nextRunAt: string | null;
  spec: Record<string, unknown> & { copy: Record<string, unknown>; throttle: Record<string, unknown> };
  run: { number: number; kind: string; state: string; counts: Counts; etaSeconds: number | null } | null;
  history: { number: number; kind: string; state: string }[];
}

const harnesses: ApiHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** A harness with `n` files in <dir>/src, and addresses `src` and `dst` on two folders. */
async function setup(n = 5): Promise<{ h: ApiHarness; src: string; dst: string }> {
  const h = new ApiHarness();
  harnesses.push(h);
  const src = join(h.dir, 'src');
  const dst = join(h.dir, 'dst');
  for (let i = 0; i < n; i++) {
    mkdirSync(join(src, `d${i % 2}`), { recursive: true });
    writeFileSync(join(src, `d${i % 2}`, `f${i}.txt`), `content ${i}`);
  }
  expect((await h.call('POST', '/api/addresses', { name: 'src', type: 'local', path: src })).status).toBe(201);
  expect((await h.call('POST', '/api/addresses', { name: 'dst', type: 'local', path: dst })).status).toBe(201);
  return { h, src, dst };
}

describe('/api/jobs: create', () => {
  it('takes every option of ferry job create, with a schedule', async () => {
    const { h } = await setup(0);
    const body = {
      name: 'nightly',
      src: 'src:d0/',
      dst: 'dst',
      copy: {
        overwrite: 'newer', since: '2024-01-02T03:04:05Z', include: ['*.txt', 'logs/'], exclude: ['*.tmp'], concurrency: 8,
        multipartThreshold: 128 * 1024 * 1024, partSize: 8 * 1024 * 1024, partConcurrency: 2, serverSideCopy: false, attempts: 3, storageClass: 'STANDARD_IA',
      },
      tasks: { maxObjects: 500, maxBytes: 1024 * 1024 * 100, listConcurrency: 2, listDepth: 2 },
      throttle: { bwlimit: '00:00,100M 08:00,10M 20:00,off', maxQps: '200' },
      schedule: { every: '1h', times: 3 },
      reportPrefix: 'ferry-reports/',
    };
    const before = Date.now();
    const r = await h.call<Job>('POST', '/api/jobs', body);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: 'nightly', state: 'created', src: 'src:d0/', dst: 'dst', run: null, history: [] });
    expect(r.json.spec).toEqual({
      name: 'nightly', src: 'src:d0/', dst: 'dst',
      copy: { ...body.copy, since: undefined, sinceMs: Date.UTC(2024, 0, 2, 3, 4, 5) },
      tasks: body.tasks,
      throttle: body.throttle,
      schedule: { every: 3_600_000, times: 3 },
      reportPrefix: 'ferry-reports/',
    });
    // ferry serve starts an --every job at once.
    expect(Date.parse(r.json.nextRunAt!)).toBeGreaterThanOrEqual(before - 1000);

    const cron = await h.call<Job>('POST', '/api/jobs', { name: 'cron', src: 'src', dst: 'dst', schedule: { cron: '0 2 * * *' } });
    expect(cron.json.spec.schedule).toEqual({ cron: '0 2 * * *' });
    expect(Date.parse(cron.json.nextRunAt!)).toBeGreaterThan(Date.now());

    const defaults = await h.call<Job>('POST', '/api/jobs', { name: 'plain', src: 'src', dst: join(h.dir, 'elsewhere') });
    expect(defaults.json.spec.copy).toMatchObject({ overwrite: 'different', concurrency: 32, include: [], attempts: 11 });
    expect(defaults.json.nextRunAt).toBeNull();

    const list = await h.call<Job[]>('GET', '/api/jobs');
    expect(list.json.map((j) => j.name)).toEqual(['cron', 'nightly', 'plain']);
  });

  it('answers 400 naming the body field, with the CLI\'s checks', async () => {
    const { h } = await setup(0);
    const base = { name: 'j', src: 'src', dst: 'dst' };
    const cases: [unknown, string | null, RegExp][] = [
      [{ ...base, name: 'no spaces' }, 'name', /letters, digits/],
      [{ ...base, src: undefined }, 'src', /./],
      [{ ...base, src: 'nowhere' }, 'src', /neither a known address nor a local path/],
      [{ ...base, dst: 'nowhere:sub' }, 'dst', /neither a known address/],
      [{ ...base, copy: { concurrency: 0 } }, 'copy.concurrency', /^copy\.concurrency: /],
      [{ ...base, copy: { overwrite: 'sometimes' } }, 'copy.overwrite', /./],
      [{ ...base, copy: { colour: 'red' } }, 'copy.colour', /copy\.colour: is not a known field/],
      [{ ...base, copy: { since: 'yesterday' } }, 'copy.since', /^copy\.since: cannot read "yesterday" as a time/],
      [{ ...base, copy: { since: '2024-01-01', sinceMs: 5 } }, 'copy.since', /not both/],
      [{ ...base, copy: { include: ['/'] } }, 'copy.include', /^copy\.include: pattern/],
      [{ ...base, copy: { exclude: ['/'] } }, 'copy.exclude', /^copy\.exclude: pattern/],
      [{ ...base, copy: { storageClass: 'a b' } }, 'copy.storageClass', /storage class name/],
      [{ ...base, throttle: { bwlimit: '08:00,10M 07:00,5M' } }, 'throttle.bwlimit', /^throttle\.bwlimit: entry 2 .* is not after/],
      [{ ...base, throttle: { bwlimit: '0' } }, 'throttle.bwlimit', /write "off" for no limit/],
      [{ ...base, throttle: { maxQps: 'fast' } }, 'throttle.maxQps', /objects per second/],
      [{ ...base, schedule: { cron: '61 * * * *' } }, 'schedule.cron', /^schedule\.cron: minute "61"/],
      [{ ...base, schedule: { every: '30s' } }, 'schedule.every', /at least 1m/],
      [{ ...base, schedule: { every: 'soon' } }, 'schedule.every', /cannot read "soon" as a duration/],
      [{ ...base, schedule: { times: 3 } }, 'schedule.every', /is required with schedule.times/],
      [{ ...base, schedule: { every: '1h', cron: '* * * * *' } }, 'schedule.cron', /cannot be combined/],
      [{ ...base, tasks: { listDepth: 9 } }, 'tasks.listDepth', /./],
      [{ ...base, extra: true }, 'extra', /is not a known field/],
      ['{', null, /must be JSON/],
    ];
    for (const [body, field, message] of cases) {
      const r = await h.call<ErrorAnswer>('POST', '/api/jobs', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.field, JSON.stringify(body)).toBe(field);
      expect(r.json.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await h.call<Job[]>('GET', '/api/jobs')).json).toEqual([]);
  });

  it('answers 409 for a duplicate name and 404 for an unknown job', async () => {
    const { h } = await setup(0);
    expect((await h.call('POST', '/api/jobs', { name: 'j', src: 'src', dst: 'dst' })).status).toBe(201);
    const dup = await h.call<ErrorAnswer>('POST', '/api/jobs', { name: 'j', src: 'src', dst: 'dst' });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toEqual({ code: 'CONFLICT', message: 'job "j" already exists', field: 'name' });
    const paths: [string, string][] = [
      ['GET', '/api/jobs/none'], ['DELETE', '/api/jobs/none'], ['POST', '/api/jobs/none/start'], ['POST', '/api/jobs/none/pause'],
      ['POST', '/api/jobs/none/stop'], ['POST', '/api/jobs/none/resume'], ['POST', '/api/jobs/none/retry'], ['PUT', '/api/jobs/none/throttle'],
      ['GET', '/api/jobs/none/runs'], ['GET', '/api/jobs/none/runs/1'], ['GET', '/api/jobs/none/runs/latest/samples'],
      ['GET', '/api/jobs/none/runs/1/report'], ['GET', '/api/jobs/none/runs/1/report/download'], ['GET', '/api/jobs/none/events'],
      ['GET', '/api/jobs/j/runs/1'], ['GET', '/api/jobs/j/runs/latest/report'], ['GET', '/api/jobs/j/runs/x/samples'],
    ];
    for (const [method, path] of paths) {
      const r = await h.call<ErrorAnswer>(method, path, method === 'PUT' ? {} : undefined);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('/api/jobs: start, pause, resume, stop, delete', () => {
  it('queues a start for the scheduler and marks an idle job paused or stopped at once', async () => {
    const { h } = await setup(0);
    await h.call('POST', '/api/jobs', { name: 'j', src: 'src', dst: 'dst' });
    expect((await h.call<ErrorAnswer>('POST', '/api/jobs/j/pause')).status).toBe(409);
    expect((await h.call<ErrorAnswer>('POST', '/api/jobs/j/resume')).json.error.message).toMatch(/no paused run to resume/);
    expect((await h.call<ErrorAnswer>('POST', '/api/jobs/j/retry')).json.error.message).toBe('job "j" has not run yet: nothing to retry');

    const started = await h.call<Job>('POST', '/api/jobs/j/start');
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ state: 'queued', desired: null });
    expect(h.jobs.get('j').state).toBe('queued');
    expect((await h.call<ErrorAnswer>('POST', '/api/jobs/j/start')).json.error).toMatchObject({ code: 'CONFLICT', message: 'job "j" is already queued' });

    expect((await h.call<Job>('POST', '/api/jobs/j/pause')).json).toMatchObject({ state: 'paused', requested: false });
    expect((await h.call<Job>('POST', '/api/jobs/j/resume')).json).toMatchObject({ state: 'queued' });
    expect((await h.call<Job>('POST', '/api/jobs/j/stop')).json).toMatchObject({ state: 'stopped' });
    expect((await h.call('POST', '/api/jobs/j/stop')).status).toBe(409);
    expect((await h.call('DELETE', '/api/jobs/j')).status).toBe(204);
    expect((await h.call('GET', '/api/jobs/j')).status).toBe(404);
  });

  it('asks a running job to pause or stop through the database, and refuses to delete it (409)', async () => {
    const { h } = await setup(0);
    await h.call('POST', '/api/jobs', { name: 'j', src: 'src', dst: 'dst' });
    h.jobs.setState('j', 'migrating');
    expect(h.jobs.claim('j', thisOwner(), 0)).toBe(true);

    const del = await h.call<ErrorAnswer>('DELETE', '/api/jobs/j');
    expect(del.status).toBe(409);
    expect(del.json.error.message).toMatch(/^job "j" is running \(.+\): pause or stop it first$/);
    expect((await h.call('POST', '/api/jobs/j/start')).status).toBe(409);
    expect((await h.call('POST', '/api/jobs/j/retry')).status).toBe(409);

    const paused = await h.call<Job>('POST', '/api/jobs/j/pause');
    expect(paused.json).toMatchObject({ state: 'migrating', running: true, desired: 'pause', requested: true });
    expect(h.jobs.get('j').desired).toBe('pause');
    expect((await h.call<Job>('POST', '/api/jobs/j/stop')).json).toMatchObject({ desired: 'stop' });

    h.jobs.release('j', thisOwner());
    expect((await h.call('DELETE', '/api/jobs/j')).status).toBe(204);
  });

  it('changes the throttle of a job, validating it', async () => {
    const { h } = await setup(0);
    await h.call('POST', '/api/jobs', { name: 'j', src: 'src', dst: 'dst', throttle: { maxQps: '50' } });
    const set = await h.call('PUT', '/api/jobs/j/throttle', { bwlimit: '00:00,100M 08:00,10M' });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ bwlimit: '00:00,100M 08:00,10M', maxQps: '50' });
    expect(h.jobs.get('j').spec.throttle).toEqual({ bwlimit: '00:00,100M 08:00,10M', maxQps: '50' });
    const bad = await h.call<ErrorAnswer>('PUT', '/api/jobs/j/throttle', { bwlimit: '25:00,1M' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('throttle.bwlimit');
    expect((await h.call<ErrorAnswer>('PUT', '/api/jobs/j/throttle', { speed: 1 })).json.error.field).toBe('speed');
    expect((await h.call('PUT', '/api/jobs/j/throttle', { bwlimit: null, maxQps: 'off' })).json).toEqual({});
    expect(h.jobs.get('j').spec.throttle).toEqual({});
  });
});

describe('/api/jobs: running in process', () => {
  it('runs a started job to the end: counts, runs, samples, progress events, reports', async () => {
    const { h, dst } = await setup(7);
    const created = await h.call<Job>('POST', '/api/jobs', { name: 'copy', src: 'src', dst: 'dst', tasks: { maxObjects: 3 }, start: true });
    expect(created.json.state).toBe('queued');
    h.startScheduler();
    await h.waitFor('copy', (j) => j.state === 'succeeded' && !j.running);
    expect(readFileSync(join(dst, 'd1/f3.txt'), 'utf8')).toBe('content 3');

    const job = (await h.call<Job>('GET', '/api/jobs/copy')).json;
    expect(job).toMatchObject({ state: 'succeeded', running: false, run: { number: 1, kind: 'full', state: 'succeeded', etaSeconds: null } });
    expect(job.run!.counts).toMatchObject({ migrated: 7, failed: 0, skipped: 0, toCopy: 7 });
    expect(job.history).toEqual([expect.objectContaining({ number: 1, kind: 'full', state: 'succeeded', migrated: 7 })]);

    const runs = (await h.call<{ number: number; counts: Counts }[]>('GET', '/api/jobs/copy/runs')).json;
    expect(runs).toHaveLength(1);
    expect((await h.call('GET', '/api/jobs/copy/runs/1')).json).toMatchObject({ number: 1, counts: { migrated: 7 } });
    expect((await h.call('GET', '/api/jobs/copy/runs/latest')).json).toMatchObject({ number: 1 });

    const samples = (await h.call<{ t: number; bytesMoved: number; objects: number }[]>('GET', '/api/jobs/copy/runs/1/samples')).json;
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples[0]).toMatchObject({ bytesMoved: 0, objects: 0 });
    expect(samples.at(-1)).toMatchObject({ bytesMoved: 7 * 'content 0'.length, objects: 7 });
    expect(samples.map((s) => s.t)).toEqual([...samples.map((s) => s.t)].sort((a, b) => a - b));

    // A second start is a new run: everything is unchanged.
    await h.call('POST', '/api/jobs/copy/start');
    await h.waitFor('copy', (j) => j.state === 'succeeded' && !j.running && h.jobs.get('copy').currentRun === 2);
    expect((await h.call<Job>('GET', '/api/jobs/copy')).json.run!.counts).toMatchObject({ migrated: 0, skipped: 7 });
    expect((await h.call<ErrorAnswer>('POST', '/api/jobs/copy/retry')).json.error.message).toBe('job "copy" run 2 has no failed objects to retry');
  });

  it('retries only the failed objects through the scheduler', async () => {
    const { h, dst } = await setup(4);
    // A directory where a file must go makes that one object fail.
    mkdirSync(join(dst, 'd1/f1.txt'), { recursive: true });
    await h.call('POST', '/api/jobs', { name: 'r', src: 'src', dst: 'dst', copy: { attempts: 1 }, start: true });
    h.startScheduler();
    await h.waitFor('r', (j) => j.state === 'failed' && !j.running);
    const failed = (await h.call<Job>('GET', '/api/jobs/r')).json;
    expect(failed.run!.counts).toMatchObject({ migrated: 3, failed: 1 });
    const page = await h.call<{ total: number; rows: { key: string; status: string; error: string }[] }>('GET', '/api/jobs/r/runs/latest/report?kind=failed');
    expect(page.json.total).toBe(1);
    expect(page.json.rows[0]).toMatchObject({ key: 'd1/f1.txt', status: 'failed' });

    rmSync(join(dst, 'd1/f1.txt'), { recursive: true });
    const retry = await h.call<Job>('POST', '/api/jobs/r/retry');
    expect(retry.status).toBe(202);
    expect(retry.json).toMatchObject({ state: 'queued', desired: 'retry' });
    await h.waitFor('r', (j) => j.state === 'succeeded' && !j.running);
    const after = (await h.call<Job>('GET', '/api/jobs/r')).json;
    expect(after.run).toMatchObject({ number: 2, kind: 'retry', state: 'succeeded', counts: { migrated: 1, failed: 0, toCopy: 1 } });
    expect(after.desired).toBeNull();
    expect(existsSync(join(dst, 'd1/f1.txt'))).toBe(true);
  });

  it('streams progress as server-sent events', async () => {
    const { h } = await setup(2);
    await h.call('POST', '/api/jobs', { name: 'e', src: 'src', dst: 'dst' });
    const read = async (path: string, frames: number): Promise<{ event: string; data: Record<string, unknown> }[]> => {
      const res = await h.app.request(path, { headers: { Authorization: `Bearer ${(await import('../helpers/api-app.js')).TEST_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (text.split('\n\n').length <= frames) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      await reader.cancel();
      return text
        .split('\n\n')
        .filter((f) => f.trim())
        .slice(0, frames)
        .map((f) => {
          const event = /^event: (.*)$/m.exec(f)?.[1] ?? '';
          const data = /^data: (.*)$/m.exec(f)?.[1] ?? '{}';
          return { event, data: JSON.parse(data) as Record<string, unknown> };
        });
    };
    const job = await read('/api/jobs/e/events', 2);
    expect(job.map((f) => f.event)).toEqual(['progress', 'progress']);
    expect(job[0]!.data).toMatchObject({ name: 'e', state: 'created', running: false, run: null, t: expect.any(Number) });
    const all = await read('/api/events', 1);
    expect(all[0]).toMatchObject({ event: 'jobs', data: { jobs: [expect.objectContaining({ name: 'e', state: 'created' })] } });
  });
});
