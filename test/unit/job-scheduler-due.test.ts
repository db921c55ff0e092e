// When `ferry serve` takes up a job whose run was left active by another
// process: at once when that process was on this machine and is gone (a
// coordinator restarted after kill -9), after the heartbeat goes stale
// otherwise.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HEARTBEAT_STALE_MS } from '../../src/jobs/job-state.js';
import type { JobRow } from '../../src/jobs/job-repository.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { JobScheduler } from '../../src/jobs/job-scheduler.js';

const now = 1_800_000_000_000;
const job = (owner: string | null, heartbeatAt: number | null, state: JobRow['state'] = 'migrating'): JobRow => ({
  name: 'j', spec: {} as JobSpec, state, desired: null, currentRun: 1, nextRunAt: null, owner, heartbeatAt, createdAt: 0, updatedAt: 0,
});
/** The pid of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('JobScheduler.isDue for a run left active', () => {
  it('is due at once when its holder was a process on this machine that is gone', () => {
    expect(JobScheduler.isDue(job(`${hostname()}:${deadPid()}`, now - 1000), now)).toBe(true);
  });

  it('waits for the heartbeat to go stale when the holder lives or is on another machine', () => {
    expect(JobScheduler.isDue(job(`${hostname()}:${process.pid}`, now - 1000), now)).toBe(false);
    expect(JobScheduler.isDue(job('elsewhere:12345', now - 1000), now)).toBe(false);
    expect(JobScheduler.isDue(job('elsewhere:12345', now - HEARTBEAT_STALE_MS - 1), now)).toBe(true);
  });

  it('leaves runs that are not active alone, whoever held them', () => {
    expect(JobScheduler.isDue(job(`${hostname()}:${deadPid()}`, now - 1000, 'paused'), now)).toBe(false);
    expect(JobScheduler.isDue(job(null, null, 'succeeded'), now)).toBe(false);
  });
});
