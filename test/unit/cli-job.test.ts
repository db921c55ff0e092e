import { mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testArtifactsDir } from '../helpers/artifacts.js';
import { FerryCli } from '../helpers/ferry-cli.js';

function folder(files: number): string {
  const root = mkdtempSync(join(tmpdir(), 'ferry-job-'));
  for (let i = 0; i < files; i++) {
    const dir = join(root, 'src', `d${i % 3}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), `content ${i}`);
  }
  return root;
}

interface Status {
  state: string;
  run: { number: number; kind: string; state: string; listingDone: boolean; counts: { migrated: number; skipped: number; failed: number; toCopy: number; tasks: Record<string, number> } };
  history: { number: number; kind: string }[];
}

describe('ferry job (local folders)', () => {
  it('creates, runs in tasks, reports, re-runs and deletes a job', async () => {
    const root = folder(25);
    const cli = new FerryCli();
    await cli.ok(0, 'job', 'create', 'j', '--src', join(root, 'src'), '--dst', join(root, 'dst'), '--task-objects', '4');
    const started = (await cli.ok(0, 'job', 'start', 'j', '--json')).json<Status>();
    expect(started.state).toBe('succeeded');
    expect(started.run.counts).toMatchObject({ migrated: 25, failed: 0, toCopy: 25 });
    expect(started.run.counts.tasks.succeeded).toBe(7);
    expect(readFileSync(join(root, 'dst/d1/f1.txt'), 'utf8')).toBe('content 1');

    const csv = (await cli.ok(0, 'job', 'report', 'j', '--kind', 'migrated')).out.trim().split('\n');
    expect(csv[0]).toBe('key,status,size,srcEtag,srcCrc64,dstEtag,dstCrc64,srcMtime,startedAt,endedAt,reason,error,attempts');
    expect(csv).toHaveLength(26);
    expect(new Set(csv.slice(1).map((l) => l.split(',')[0])).size).toBe(25);
    // --out writes the same report to a file (kept in the run's artifacts for the secrets scan).
    const outFile = join(testArtifactsDir('reports'), 'j-run1-migrated.csv');
    await cli.ok(0, 'job', 'report', 'j', '--kind', 'migrated', '--out', outFile);
    expect(readFileSync(outFile, 'utf8').trim().split('\n')).toEqual(csv);
    const files = join(cli.home, 'jobs/j/runs/1');
    for (const f of ['total.csv', 'migrated.jsonl', 'skipped.csv', 'failed.csv']) expect(existsSync(join(files, f))).toBe(true);
    expect(readFileSync(join(files, 'failed.csv'), 'utf8').trim().split('\n')).toHaveLength(1);

    const again = (await cli.ok(0, 'job', 'start', 'j', '--json')).json<Status>();
    expect(again.run).toMatchObject({ number: 2, kind: 'full' });
    expect(again.run.counts).toMatchObject({ migrated: 0, skipped: 25 });
    const skipped = (await cli.ok(0, 'job', 'report', 'j', '--kind', 'skipped', '--format', 'jsonl')).out.trim().split('\n');
    expect(JSON.parse(skipped[0]!)).toMatchObject({ status: 'skipped', reason: 'unchanged' });

    const list = (await cli.ok(0, 'job', 'list', '--json')).json<{ name: string }[]>();
    expect(list.map((j) => j.name)).toEqual(['j']);
    await cli.ok(0, 'job', 'delete', 'j');
    expect(existsSync(join(cli.home, 'jobs/j'))).toBe(false);
    expect(existsSync(join(root, 'src/d0/f0.txt'))).toBe(true);
    expect((await cli.run('job', 'status', 'j')).code).toBe(2);
  });

  it('retries only the objects that failed', async () => {
    const root = folder(6);
    const cli = new FerryCli();
    // A directory where a file must go makes that one object fail, without touching the others.
    mkdirSync(join(root, 'dst/d1/f1.txt'), { recursive: true });
    await cli.ok(0, 'job', 'create', 'r', '--src', join(root, 'src'), '--dst', join(root, 'dst'), '--retries', '1');
    const first = (await cli.ok(1, 'job', 'start', 'r', '--json')).json<Status>();
    expect(first.run.counts).toMatchObject({ migrated: 5, failed: 1 });
    const failed = (await cli.ok(0, 'job', 'report', 'r', '--kind', 'failed')).out.trim().split('\n');
    expect(failed).toHaveLength(2);
    expect(failed[1]).toMatch(/^d1\/f1\.txt,failed,/);

    chmodSync(root, 0o755);
    const { rmSync } = await import('node:fs');
    rmSync(join(root, 'dst/d1/f1.txt'), { recursive: true });
    const retried = (await cli.ok(0, 'job', 'retry', 'r', '--json')).json<Status>();
    expect(retried.run).toMatchObject({ number: 2, kind: 'retry', state: 'succeeded' });
    expect(retried.run.counts).toMatchObject({ migrated: 1, failed: 0, toCopy: 1 });
    expect(readFileSync(join(root, 'dst/d1/f1.txt'), 'utf8')).toBe('content 1');
  });

  it('pauses an idle job and changes its throttle with job set', async () => {
    const root = folder(3);
    const cli = new FerryCli();
    await cli.ok(0, 'job', 'create', 'p', '--src', join(root, 'src'), '--dst', join(root, 'dst'), '--bwlimit', '10M');
    await cli.ok(0, 'job', 'set', 'p', '--bwlimit', '00:00,100M 08:00,10M 20:00,100M', '--max-qps', '50');
    const status = (await cli.ok(0, 'job', 'status', 'p', '--json')).json<{ state: string }>();
    expect(status.state).toBe('created');
    const bad = await cli.run('job', 'set', 'p', '--bwlimit', '08:00,10M 07:00,1M');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--bwlimit/);
    await cli.ok(0, 'job', 'pause', 'p');
    expect((await cli.ok(0, 'job', 'status', 'p', '--json')).json<{ state: string }>().state).toBe('paused');
  });

  const bad: [string[], RegExp][] = [
    [['job', 'create', 'x', '--dst', '/tmp/b'], /required option '--src/],
    [['job', 'create', 'x', '--src', '/tmp/a', '--dst', '/tmp/b', '--task-objects', '0'], /--task-objects/],
    [['job', 'create', 'x', '--src', '/tmp/a', '--dst', '/tmp/b', '--task-size', 'big'], /--task-size/],
    [['job', 'create', 'x', '--src', '/tmp/a', '--dst', '/tmp/b', '--every', '10s'], /--every: must be at least 1m/],
    [['job', 'create', 'x', '--src', '/tmp/a', '--dst', '/tmp/b', '--times', '3'], /--times: needs --every/],
    [['job', 'create', 'x', '--src', '/tmp/a', '--dst', '/tmp/b', '--cron', '* * *'], /--cron/],
    [['job', 'create', 'x', '--src', '/tmp/a', '--dst', '/tmp/b', '--every', '1h', '--cron', '0 * * * *'], /--cron: cannot be combined/],
    [['job', 'create', 'x', '--src', '/tmp/a', '--dst', '/tmp/b', '--max-qps', 'fast'], /--max-qps/],
    [['job', 'create', 'x', '--src', 'nowhere', '--dst', '/tmp/b'], /"nowhere" is neither a known address/],
    [['job', 'create', 'bad name!', '--src', '/tmp/a', '--dst', '/tmp/b'], /^ferry: NAME: letters, digits/],
    [['job', 'start', 'missing'], /no job named "missing"/],
    [['job', 'report', 'missing', '--kind', 'weird'], /--kind: must be one of/],
    [['job', 'set', 'missing'], /no job named|nothing to change/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses: ferry ${argv.join(' ')}`, async () => {
      const r = await new FerryCli().run(...argv);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    });
  }
});

describe('ferry job import (ossimport job.cfg)', () => {
  const fixture = (type: string): string => join(import.meta.dirname, '../fixtures/ossimport', type, 'job.cfg');
  const sys = join(import.meta.dirname, '../fixtures/ossimport/sys.properties');

  it('creates the job and its two addresses, secrets sealed', async () => {
    const cli = new FerryCli();
    const r = await cli.ok(0, 'job', 'import', fixture('oss'), '--sys', sys, '--name', 'mig');
    expect(r.out).toContain('imported job "mig": mig-src -> mig-dst');
    const status = (await cli.ok(0, 'job', 'status', 'mig', '--json')).json<{ src: string; dst: string; state: string }>();
    expect(status).toMatchObject({ src: 'mig-src', dst: 'mig-dst', state: 'created' });
    const shown = (await cli.ok(0, 'address', 'show', 'mig-src', '--json')).out;
    expect(shown).toContain('"provider": "oss"');
    const cfg = readFileSync(fixture('oss'), 'utf8');
    const secret = /srcSecretKey=(.*)/.exec(cfg)?.[1]?.trim() ?? '';
    expect(secret.length).toBeGreaterThan(4);
    expect(shown).not.toContain(secret);
  });

  it('refuses a malformed or unsupported job.cfg with one line and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-import-'));
    const broken = join(dir, 'job.cfg');
    writeFileSync(broken, readFileSync(fixture('s3'), 'utf8').replace(/^destBucket=.*$/m, ''));
    const cli = new FerryCli();
    const r = await cli.run('job', 'import', broken, '--name', 'x');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^ferry: job\.cfg: missing destBucket/);
    const youpai = await cli.run('job', 'import', fixture('youpai'), '--name', 'y');
    expect(youpai.code).toBe(2);
    expect(youpai.err).toMatch(/srcType: "youpai" is not supported/);
    expect((await cli.ok(0, 'address', 'list', '--json')).json<unknown[]>()).toEqual([]);
    expect((await cli.ok(0, 'job', 'list', '--json')).json<unknown[]>()).toEqual([]);
  });
});
