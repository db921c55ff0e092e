// One source body for many readers (a fill and the clients that asked for
// the object meanwhile), and cutting one stream into consecutive parts.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Broadcast } from '../../src/mirror/broadcast.js';
import { SequentialSlices } from '../../src/mirror/sequential-slices.js';

/** A source that hands out `data` in 64 KiB pieces, one per turn of the event loop as a socket would, counting what was pulled. */
function source(data: Buffer): Readable & { pulled: number } {
  let at = 0;
  const r = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      setImmediate(() => {
        if (r.destroyed) return;
        if (at >= data.length) return void r.push(null);
        const piece = data.subarray(at, at + 64 * 1024);
        at += piece.length;
        r.pulled = at;
        r.push(piece);
      });
    },
  }) as Readable & { pulled: number };
  r.pulled = 0;
  return r;
}

/** Reads a stream to its end, optionally slowly; resolves with the bytes or the error. */
function collect(r: Readable, delayMs = 0): Promise<{ bytes: Buffer; error?: Error }> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        if (delayMs) setTimeout(cb, delayMs);
        else cb();
      },
    });
    r.once('error', (error) => resolve({ bytes: Buffer.concat(chunks), error }));
    sink.once('finish', () => resolve({ bytes: Buffer.concat(chunks) }));
    r.pipe(sink);
  });
}

const budget = (limit = 64 * 1024 * 1024): { used: number; limit: number } => ({ used: 0, limit });

describe('Broadcast', () => {
  it('gives every reader the whole body, one that does not read holding the others back instead of piling up memory', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const src = source(data);
    const b = new Broadcast(src, 0, budget());
    const fast = b.subscribe()!;
    const idle = b.subscribe()!;
    b.start();
    const fastDone = collect(fast);
    await sleep(50);
    // The idle reader's buffer (512 KiB) is full: the source is at most a piece or two past it.
    expect(src.pulled).toBeLessThanOrEqual(512 * 1024 + 3 * 64 * 1024);
    const idleDone = collect(idle, 1);
    const [a, c] = await Promise.all([fastDone, idleDone]);
    expect(a.bytes.equals(data)).toBe(true);
    expect(c.bytes.equals(data)).toBe(true);
  });

  it('replays the first bytes to a late reader while they are kept, and says no once they are not', async () => {
    const data = randomBytes(1024 * 1024);
    const src = source(data);
    const b = new Broadcast(src, 768 * 1024, budget());
    const first = b.subscribe()!;
    b.start();
    // The first reader does not read yet: the source stops once its buffer is full (512 KiB), all of it kept.
    await sleep(50);
    expect(src.pulled).toBeGreaterThan(0);
    expect(src.pulled).toBeLessThan(768 * 1024);
    const late = b.subscribe();
    expect(late).toBeDefined();
    const firstDone = collect(first);
    const lateDone = collect(late!);
    expect((await firstDone).bytes.equals(data)).toBe(true);
    expect((await lateDone).bytes.equals(data)).toBe(true);
    // Past 512 KiB the kept bytes were dropped: a newcomer cannot be given the start any more.
    expect(b.subscribe()).toBeUndefined();
  });

  it('keeps within the shared budget and gives it back', async () => {
    const shared = budget(256 * 1024);
    const b = new Broadcast(source(randomBytes(1024 * 1024)), 8 * 1024 * 1024, shared);
    const r = b.subscribe()!;
    b.start();
    await collect(r);
    expect(shared.used).toBe(0);
    expect(b.subscribe()).toBeUndefined();
  });

  it('lets a reader leave without stopping the others, and stops reading the source when all left', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const src = source(data);
    const b = new Broadcast(src, 0, budget());
    const leaver = b.subscribe()!;
    const stayer = b.subscribe()!;
    b.start();
    leaver.once('data', () => leaver.destroy());
    expect((await collect(stayer)).bytes.equals(data)).toBe(true);

    const src2 = source(data);
    const b2 = new Broadcast(src2, 0, budget());
    const only = b2.subscribe()!;
    b2.start();
    await new Promise((r) => only.once('data', r));
    only.destroy();
    await sleep(10);
    expect(src2.destroyed).toBe(true);
    expect(src2.pulled).toBeLessThan(data.length);
  });

  it('fails every reader when the source fails', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('connection reset')); } });
    const b = new Broadcast(failing, 0, budget());
    const a = b.subscribe()!;
    const c = b.subscribe()!;
    b.start();
    const [ea, ec] = await Promise.all([collect(a), collect(c)]);
    expect(ea.error?.message).toBe('connection reset');
    expect(ec.error?.message).toBe('connection reset');
  });
});

describe('SequentialSlices', () => {
  it('cuts a stream into consecutive parts, each asked for once the previous ended', async () => {
    const data = randomBytes(1024 * 1024 + 123);
    const slices = new SequentialSlices(source(data));
    const sizes = [300_000, 300_000, 300_000, data.length - 900_000];
    const parts: Buffer[] = [];
    for (const size of sizes) {
      const part = await collect(slices.next(size));
      expect(part.bytes.length).toBe(size);
      parts.push(part.bytes);
    }
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('skips to a range', async () => {
    const data = randomBytes(500_000);
    const out = await collect(new SequentialSlices(source(data)).next(1000, 200_000));
    expect(out.bytes.equals(data.subarray(200_000, 201_000))).toBe(true);
  });

  it('fails a part when the stream ends early, and stops the stream when a part is abandoned', async () => {
    const data = randomBytes(100_000);
    expect((await collect(new SequentialSlices(source(data)).next(200_000))).error?.message).toMatch(/ended 100000 bytes early/);
    const src = source(randomBytes(1024 * 1024));
    const part = new SequentialSlices(src).next(800_000);
    await new Promise((r) => part.once('data', r));
    part.destroy();
    await sleep(10);
    expect(src.destroyed).toBe(true);
  });
});
