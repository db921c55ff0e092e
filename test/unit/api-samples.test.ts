import { afterEach, describe, expect, it } from 'vitest';
import { openHome, type FerryHome } from '../../src/home/index.js';
import { JobRepository } from '../../src/jobs/job-repository.js';
import { RunSampler, RunSamples } from '../../src/jobs/run-samples.js';
import { newHomeDir } from '../helpers/artifacts.js';

let home: FerryHome | undefined;
afterEach(() => home?.close());

function setup(): { samples: RunSamples; home: FerryHome } {
  home = openHome(newHomeDir('samples'));
  const jobs = new JobRepository(home.db);
  jobs.create({ name: 'j', src: '/a', dst: '/b' });
  jobs.startRun('j', 'full', undefined);
  return { samples: new RunSamples(home.db), home };
}

describe('throughput samples (for the console chart)', () => {
  it('thins a long run evenly, keeping the first and the last sample', () => {
    const { samples } = setup();
    for (let i = 0; i < 1234; i++) samples.add('j', 1, { t: 1_000_000 + i * 2000, bytesMoved: i * 100, objects: i });
    const all = samples.list('j', 1, 5000);
    expect(all).toHaveLength(1234);
    const thin = samples.list('j', 1, 500);
    expect(thin.length).toBeLessThanOrEqual(501);
    expect(thin.length).toBeGreaterThan(400);
    expect(thin[0]).toEqual({ t: 1_000_000, bytesMoved: 0, objects: 0 });
    expect(thin.at(-1)).toEqual({ t: 1_000_000 + 1233 * 2000, bytesMoved: 123_300, objects: 1233 });
    expect(samples.list('j', 2)).toEqual([]);
  });

  it('samples every 2 s at first, then more sparsely, and always when forced', () => {
    const { samples, home } = setup();
    home.db.prepare(`INSERT INTO run_results (job, run, key, status, size) VALUES ('j', 1, 'old', 'migrated', 5)`).run();
    const sampler = new RunSampler(home.db, 'j', 1);
    const t0 = Date.now();
    sampler.tick(0, 0, true, t0);
    sampler.tick(10, 1, false, t0 + 1000); // too soon
    sampler.tick(20, 2, false, t0 + 2000);
    sampler.tick(30, 3, true, t0 + 2500);
    // Three hours in, samples are a minute apart at most... and at least 10.8 s.
    sampler.tick(40, 4, false, t0 + 3 * 3600_000);
    sampler.tick(50, 5, false, t0 + 3 * 3600_000 + 5000);
    expect(samples.list('j', 1)).toEqual([
      { t: t0, bytesMoved: 0, objects: 1 },
      { t: t0 + 2000, bytesMoved: 20, objects: 3 },
      { t: t0 + 2500, bytesMoved: 30, objects: 4 },
      { t: t0 + 3 * 3600_000, bytesMoved: 40, objects: 5 },
    ]);
  });
});
