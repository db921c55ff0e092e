// Distributed mode, coordinator side, in one process on local folders and a
// real Redis (test/helpers/redis-env.ts): a run handed to a queue worker is
// paused (as `ferry job pause` or a coordinator stopped by SIGTERM does) and
// resumed. The pause takes waiting tasks back from the queue; a task a
// worker finishes while no coordinator listens is recorded on resume from
// what BullMQ kept, not copied again; the report counts every object once.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveLocation, AddressRepository } from '../../src/addresses/index.js';
import { openHome, type FerryHome } from '../../src/home/index.js';
import { JobRepository } from '../../src/jobs/job-repository.js';
import { runJob } from '../../src/jobs/job-runner.js';
import { RunStore } from '../../src/jobs/run-store.js';
import { CoordinatorExecutor } from '../../src/runners/bullmq/coordinator-executor.js';
import { parseQueueUrl } from '../../src/runners/bullmq/queue-url.js';
import { QueueWorker } from '../../src/runners/bullmq/queue-worker.js';
import { RedisLink } from '../../src/runners/bullmq/redis-link.js';
import { sealSpec } from '../../src/runners/bullmq/spec-sealing.js';
import { openStore } from '../../src/stores/index.js';
import { newHomeDir, newLogFile } from '../helpers/artifacts.js';
import { waitFor } from '../helpers/job-db.js';
import { hasRedis, redisUrl } from '../helpers/redis-env.js';

const FILES = 60;
const SIZE = 8 * 1024;

describe.skipIf(!hasRedis())('distributed mode: pause and resume of a coordinator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-dist-resume-'));
  const src = join(dir, 'src');
  const dst = join(dir, 'dst');
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);
  let home: FerryHome;
  let jobs: JobRepository;
  let worker: QueueWorker;
  let executor: CoordinatorExecutor;

  const run = (signal?: AbortSignal) => {
    const addresses = new AddressRepository(home.db, home.secretBox);
    return runJob({
      db: home.db, home: home.dir, name: 'r', openStore, executor, signal, log,
      resolve: (loc, field) => resolveLocation(loc, addresses, {}, home.secretBox, { field }),
    });
  };

  beforeAll(async () => {
    for (let i = 0; i < FILES; i++) {
      mkdirSync(join(src, `d${i % 6}`), { recursive: true });
      writeFileSync(join(src, `d${i % 6}`, `f${String(i).padStart(3, '0')}.bin`), randomBytes(SIZE));
    }
    mkdirSync(dst);
    const link = new RedisLink(parseQueueUrl(redisUrl()!));
    await link.send('FLUSHDB');
    link.close();
    home = openHome(newHomeDir('coordinator'), {});
    jobs = new JobRepository(home.db);
    jobs.create({ name: 'r', src, dst, tasks: { maxObjects: 5 } });
    const target = parseQueueUrl(redisUrl()!);
    // One object at a time, 40 KiB/s: a 5-object task takes about a second.
    worker = new QueueWorker({ target, id: 'inproc', concurrency: 1, bwlimit: 40 * 1024, env: {}, log });
    await worker.start();
    executor = new CoordinatorExecutor({ target, maxWaiting: 4, log, seal: (spec) => sealSpec(spec, {}) });
    await executor.start();
  });

  afterAll(async () => {
    await worker?.close();
    await executor?.close();
    home?.close();
    appendFileSync(newLogFile('coordinator-and-worker'), `${lines.join('\n')}\n`);
  });

  it('a paused run gives waiting tasks back; on resume it records what finished meanwhile and ends exact', async () => {
    const abort = new AbortController();
    const first = run(abort.signal);
    await waitFor('2 tasks recorded', () => new RunStore(home.db, 'r', 1).counts().tasks.succeeded >= 2, 60_000, 50);
    abort.abort();
    const paused = await first;
    expect(paused.state).toBe('paused');
    const atPause = new RunStore(home.db, 'r', 1).counts();
    expect(atPause.tasks.running).toBe(0);
    const took = /took (\d+) waiting task\(s\) back from the queue; (\d+) on workers finish there/.exec(lines.join('\n'));
    expect(took).not.toBeNull();
    const left = Number(took![2]);
    expect(left).toBeLessThanOrEqual(1);
    console.log(`paused after ${atPause.tasks.succeeded} tasks: ${took![1]} waiting task(s) taken back, ${left} left on the worker`);

    // A task still on the worker finishes while no coordinator runs; BullMQ keeps its result.
    const workerDone = (): number => lines.filter((l) => /^task r__1__\d+: done,/.test(l)).length;
    await waitFor('the worker to finish what it held', () => workerDone() === atPause.tasks.succeeded + left, 30_000, 50);
    await new Promise((r) => setTimeout(r, 500));
    expect(workerDone()).toBe(atPause.tasks.succeeded + left);

    const resumed = await run();
    expect(resumed.state).toBe('succeeded');
    const c = new RunStore(home.db, 'r', 1).counts();
    expect(c).toMatchObject({ listed: FILES, migrated: FILES, failed: 0, toCopy: FILES, tasks: { pending: 0, running: 0, failed: 0, open: 0 } });
    // Every task copied once: the one finished while paused was adopted, not queued again.
    const starts = lines.filter((l) => /^task r__1__\d+: start/.test(l)).map((l) => l.split(':')[0]);
    expect(new Set(starts).size).toBe(starts.length);
    expect(lines.join('\n')).toMatch(/task r__1__\d+: done by inproc/);
    for (const d of readdirSync(src)) {
      for (const f of readdirSync(join(src, d))) expect(readFileSync(join(dst, d, f))).toEqual(readFileSync(join(src, d, f)));
    }
  });
});
