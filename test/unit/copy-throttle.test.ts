import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as realTick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_COPY_OPTIONS, runCopy } from '../../src/engine/index.js';
import { TokenBucket } from '../../src/engine/throttle/index.js';
import { LocalStore } from '../../src/stores/local/index.js';

const MiB = 1024 * 1024;

let base: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-throttle-'));
});

afterEach(async () => {
  vi.useRealTimers();
  await rm(base, { recursive: true, force: true });
});

describe('runCopy with a throttle', () => {
  it('copies 3 MiB between local folders at 1 MiB/s of fake time, charging every byte and object', async () => {
    const files: Record<string, Buffer> = {
      'a.bin': randomBytes(2 * MiB),
      'dir/b.bin': randomBytes(MiB / 2),
      'dir/c.bin': randomBytes(MiB / 2),
    };
    await mkdir(join(base, 'src', 'dir'), { recursive: true });
    await mkdir(join(base, 'dst'));
    for (const [key, body] of Object.entries(files)) await writeFile(join(base, 'src', key), body);

    // Only the clocks the limiter uses are faked: file I/O completes on the
    // real event loop, which the loop below lets turn between timer jumps.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const bytes = new TokenBucket(MiB);
    const objects = new TokenBucket(100);
    const byteTakes = vi.spyOn(bytes, 'take');
    const objectTakes = vi.spyOn(objects, 'take');
    const start = performance.now();

    let settled = false;
    const run = runCopy({
      src: new LocalStore({ type: 'local', path: join(base, 'src'), prefix: '' }),
      dst: new LocalStore({ type: 'local', path: join(base, 'dst'), prefix: '' }, { markers: 'all' }),
      options: { ...DEFAULT_COPY_OPTIONS },
      throttle: { bytes, objects },
    }).finally(() => {
      settled = true;
    });
    for (let turns = 0; !settled && turns < 100_000; turns++) {
      await realTick();
      vi.advanceTimersToNextTimer();
    }
    const summary = await run;
    const fakeMs = performance.now() - start;

    expect(summary.copied).toBe(3);
    expect(summary.failed).toBe(0);
    expect(summary.bytesCopied).toBe(3 * MiB);
    for (const [key, body] of Object.entries(files)) expect((await readFile(join(base, 'dst', key))).equals(body)).toBe(true);
    const charged = byteTakes.mock.calls.reduce((sum, [n]) => sum + n, 0);
    expect(charged).toBe(summary.bytesCopied);
    expect(objectTakes.mock.calls.map(([n]) => n)).toEqual([1, 1, 1]);
    // 3 MiB at 1 MiB/s from an empty bucket: never sooner than 3 s, less at most the 0.25 s burst.
    expect(fakeMs).toBeGreaterThanOrEqual(2750);
    expect(fakeMs).toBeLessThan(3500);
    expect(bytes.waiting).toBe(0);
  });
});
