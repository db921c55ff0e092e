import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan, formatDuration, workersNeeded, type PlanReport } from '../../src/cli/commands/plan.js';
import { main } from '../../src/cli/main.js';
import { newHomeDir } from '../helpers/artifacts.js';
import { captureContext } from '../helpers/capture-context.js';

const DAY_MS = 86_400_000;

/** Two files, 1000 + 2000 bytes, one in a sub-folder. */
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-plan-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.bin'), Buffer.alloc(1000));
  writeFileSync(join(dir, 'sub', 'b.bin'), Buffer.alloc(2000));
  return dir;
}

async function ferry(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureContext(newHomeDir('plan'), {}, argv);
  const code = await main(argv, cap.ctx);
  return { code, out: cap.out(), err: cap.err() };
}

async function planJson(...argv: string[]): Promise<PlanReport> {
  const r = await ferry('plan', ...argv, '--json');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as PlanReport;
}

describe('ferry plan on a local folder', () => {
  it('counts objects and bytes, at the default 100 Mbit/s per worker', async () => {
    const dir = folder();
    const plan = await planJson(dir);
    expect(plan).toEqual({
      location: `local ${dir}`,
      complete: true,
      objects: 2,
      bytes: 3000,
      averageSize: 1500,
      archived: { objects: 0, bytes: 0 },
      toCopy: { objects: 2, bytes: 3000 },
      perWorker: { bytesPerSecond: 12_500_000, mbitPerSecond: 100 },
      oneWorkerSeconds: 3000 / 12_500_000,
    });
  });

  it('computes workers for a deadline with ossimport rule, exactly at an integer boundary', async () => {
    // 3000 B = 3e-9 TB; 1080 s = 0.0125 days; 1 B/s = 8e-6 Mbit/s: 3e-9 / 0.0125 / (8e-6 / 100) = 3.
    const plan = await planJson(folder(), '--per-worker', '8bit/s', '--deadline', '1080s');
    expect(plan.perWorker).toEqual({ bytesPerSecond: 1, mbitPerSecond: 0.000008 });
    expect(plan.oneWorkerSeconds).toBe(3000);
    expect(plan.deadline).toEqual({
      ms: 1_080_000,
      days: 0.0125,
      workers: 3,
      rule: 'workers = ceil(TB ÷ days ÷ (Mbit/s ÷ 100))',
      computation: 'ceil(3e-9 TB ÷ 0.0125 days ÷ (0.000008 ÷ 100)) = ceil(3) = 3',
    });
  });

  it('does not round an exact worker count up on floating-point noise', async () => {
    // 2e-9 TB ÷ (2/86400) days ÷ (8e-6 ÷ 100) is 1080 exactly; in floating point 1080.0000000000002.
    const dir = mkdtempSync(join(tmpdir(), 'ferry-plan-'));
    writeFileSync(join(dir, 'two-k.bin'), Buffer.alloc(2000));
    const plan = await planJson(dir, '--per-worker', '8bit/s', '--deadline', '2s');
    expect(plan.deadline?.workers).toBe(1080);
  });

  it('rounds workers up', async () => {
    // 3e-9 TB ÷ (1/86400) days ÷ (0.001 ÷ 100) = 25.92 → 26
    const plan = await planJson(folder(), '--per-worker', '1kbit/s', '--deadline', '1s');
    expect(plan.deadline?.workers).toBe(26);
    expect(plan.deadline?.computation).toMatch(/= ceil\(25\.92\) = 26$/);
  });

  it('--sample N lists N objects: counts are lower bounds unless the listing ended first', async () => {
    const dir = folder();
    const sampled = await planJson(dir, '--sample', '1');
    expect(sampled).toMatchObject({ complete: false, sample: 1, objects: 1, bytes: 1000, averageSize: 1000 });
    const whole = await planJson(dir, '--sample', '5');
    expect(whole).toMatchObject({ complete: true, sample: 5, objects: 2, bytes: 3000 });
  });

  it('prints a readable plan with the computation', async () => {
    const r = await ferry('plan', folder(), '--per-worker', '8bit/s', '--deadline', '1080s');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^objects +2$/m);
    expect(r.out).toMatch(/^bytes +2\.93 KiB \(3,000 bytes\)$/m);
    expect(r.out).toMatch(/^average +1\.46 KiB$/m);
    expect(r.out).toMatch(/^archived +0 objects/m);
    expect(r.out).toMatch(/^one worker +50m$/m);
    expect(r.out).toMatch(/^workers +3 to finish within 0\.0125 days$/m);
    expect(r.out).toContain('workers = ceil(TB ÷ days ÷ (Mbit/s ÷ 100)) = ceil(3e-9 TB');
    const sampled = await ferry('plan', folder(), '--sample', '1');
    expect(sampled.out).toMatch(/^objects +at least 1 \(listed the first 1; the total is unknown\)$/m);
  });
});

describe('ferry plan refuses bad flags with one line and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['--deadline', 'soon'], /^ferry: --deadline: cannot read "soon" as a duration/],
    [['--deadline', '0'], /^ferry: --deadline: must be longer than 0$/],
    [['--per-worker', 'fast'], /^ferry: --per-worker: cannot read "fast" as a rate/],
    [['--per-worker', '100Mb'], /^ferry: --per-worker: .*"b" could mean bits or bytes/],
    [['--sample', '0'], /^ferry: --sample: must be a whole number of at least 1 \(got "0"\)$/],
    [['--sample', 'some'], /^ferry: --sample: must be a whole number/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--deadline'], /option '--deadline <duration>' argument missing/],
  ];
  for (const [flags, message] of cases) {
    it(`ferry plan DIR ${flags.join(' ')}`, async () => {
      const r = await ferry('plan', folder(), ...flags);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    });
  }

  it('names LOC when it is neither an address nor a path, and wants one', async () => {
    const unknown = await ferry('plan', 'nosuch');
    expect(unknown.code).toBe(2);
    expect(unknown.err.trim()).toBe('ferry: LOC: "nosuch" is neither a known address nor a local path (local paths start with / . or ~)');
    const missing = await ferry('plan');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing required argument 'loc'/);
  });
});

describe('plan arithmetic', () => {
  it('follows ossimport rule: one worker at 100 Mbit/s moves 1 TB a day', () => {
    const at100 = 12_500_000;
    expect(workersNeeded({ objects: 1, bytes: 7e12 }, 7 * DAY_MS, at100)).toBe(1);
    expect(workersNeeded({ objects: 1, bytes: 10e12 }, 7 * DAY_MS, at100)).toBe(2);
    expect(workersNeeded({ objects: 1, bytes: 100e12 }, 10 * DAY_MS, at100)).toBe(10);
    expect(workersNeeded({ objects: 1, bytes: 100e12 }, 10 * DAY_MS, 2 * at100)).toBe(5);
    // Nothing to copy needs nobody; empty files still need one worker.
    expect(workersNeeded({ objects: 0, bytes: 0 }, DAY_MS, at100)).toBe(0);
    expect(workersNeeded({ objects: 5, bytes: 0 }, DAY_MS, at100)).toBe(1);
  });

  it('leaves archive-class objects out of what is to copy', () => {
    const plan = buildPlan({
      location: 's3[aws] x',
      tally: { objects: 10, bytes: 2e12, archivedObjects: 4, archivedBytes: 1e12 },
      complete: true,
      bytesPerSecond: 12_500_000,
      deadlineMs: DAY_MS,
    });
    expect(plan.toCopy).toEqual({ objects: 6, bytes: 1e12 });
    expect(plan.archived).toEqual({ objects: 4, bytes: 1e12 });
    expect(plan.oneWorkerSeconds).toBe(80_000);
    expect(plan.deadline?.workers).toBe(1);
  });

  it('formats durations', () => {
    expect(formatDuration(0.24)).toBe('0.2s');
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(750)).toBe('12m 30s');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 5 * 60 + 6)).toBe('3d 4h 5m');
    expect(formatDuration(86_400)).toBe('1d');
  });
});
