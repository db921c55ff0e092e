import { afterPrefix, compareKeys, type ObjectInfo } from '../core/index.js';
import { hasLevelListing, type LevelEntry, type LevelListing, type ObjectStore } from '../stores/index.js';
import { march, type MarchPair } from './march.js';

export interface ParallelMarchOptions {
  /** Listings (parts) in flight at once; 1 lists everything in one pass. @defaultValue 8 */
  concurrency: number;
  /** Levels listed one at a time (delimiter `/`) so their sub-prefixes can be listed in parallel. @defaultValue 2 */
  levelDepth?: number;
  /**
   * Sub-prefixes of one level that become parts of their own; the rest of
   * that level is listed flat as one more part. Bounds the extra LIST
   * requests a bucket with very many tiny "folders" would otherwise cost.
   * @defaultValue 256
   */
  maxSplit?: number;
  /** Pairs buffered before listing waits for the consumer. @defaultValue 4096 */
  highWater?: number;
}

type Part = { prefix: string; depth: number; startAfter?: string | undefined };

/**
 * The merge-join of `march`, over sub-prefixes listed in parallel: the first
 * levels of the bucket are listed one level at a time, and each sub-prefix is
 * marched (source against destination) as its own part, up to `concurrency`
 * at once. Pairs come in no global order (each part's are in order), which
 * a copy does not need. Stores without level listing on both ends are
 * marched in one pass, as before.
 */
export async function* parallelMarch(src: ObjectStore, dst: ObjectStore, options: ParallelMarchOptions): AsyncGenerator<MarchPair> {
  if (options.concurrency <= 1 || !hasLevelListing(src) || !hasLevelListing(dst)) {
    yield* march(src.list(), dst.list());
    return;
  }
  const levelDepth = options.levelDepth ?? 2;
  const maxSplit = options.maxSplit ?? 256;
  const highWater = options.highWater ?? 4096;

  const buffer: MarchPair[] = [];
  const pending: Part[] = [{ prefix: '', depth: 0 }];
  let running = 0;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  // Wakes the consumer (new pairs, a part ended, a failure) or the producers (room in the buffer).
  let wakeConsumer: (() => void) | undefined;
  let wakeProducers: (() => void)[] = [];
  const notifyConsumer = (): void => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const room = async (): Promise<void> => {
    while (buffer.length >= highWater && !stopped) await new Promise<void>((r) => wakeProducers.push(r));
  };
  const push = async (pair: MarchPair): Promise<void> => {
    buffer.push(pair);
    notifyConsumer();
    await room();
  };

  const runPart = async (part: Part): Promise<void> => {
    let pairs: AsyncIterable<MarchPair>;
    if (part.depth < levelDepth && part.startAfter === undefined) {
      // A sub-prefix starts as soon as a listing slot is free, not when its level is done.
      pairs = levelPart(src, dst, part, maxSplit, (sub) => {
        pending.push(sub);
        schedule();
      });
    } else {
      const opts = { prefix: part.prefix, startAfter: part.startAfter };
      pairs = march(src.list(opts), dst.list(opts));
    }
    for await (const pair of pairs) {
      if (stopped) return;
      await push(pair);
    }
  };

  const schedule = (): void => {
    while (!stopped && failure === undefined && running < options.concurrency && pending.length > 0) {
      const part = pending.shift() as Part;
      running++;
      runPart(part)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          running--;
          schedule();
          notifyConsumer();
        });
    }
  };

  try {
    schedule();
    for (;;) {
      if (buffer.length > 0) {
        const batch = buffer.splice(0, buffer.length);
        const waiting = wakeProducers;
        wakeProducers = [];
        for (const w of waiting) w();
        yield* batch;
        continue;
      }
      if (failure !== undefined) throw failure.error;
      if (running === 0 && pending.length === 0) return;
      await new Promise<void>((r) => (wakeConsumer = r));
    }
  } finally {
    stopped = true;
    for (const w of wakeProducers) w();
    wakeProducers = [];
  }
}

/**
 * The objects directly under `part.prefix` marched against the destination's,
 * and each sub-prefix handed to `onPart` as it passes. After `maxSplit`
 * sub-prefixes the level stops and the rest of it becomes one flat part.
 */
async function* levelPart(
  src: ObjectStore & LevelListing,
  dst: ObjectStore & LevelListing,
  part: Part,
  maxSplit: number,
  onPart: (part: Part) => void,
): AsyncGenerator<MarchPair> {
  let splits = 0;
  // Set once the source level stops early: the destination level is not read past it.
  let bound: string | undefined;
  async function* sourceObjects(entries: AsyncIterable<LevelEntry>): AsyncGenerator<ObjectInfo> {
    for await (const e of entries) {
      if ('object' in e) {
        yield e.object;
        continue;
      }
      onPart({ prefix: e.prefix, depth: part.depth + 1 });
      if (++splits >= maxSplit) {
        bound = afterPrefix(e.prefix);
        onPart({ prefix: part.prefix, depth: part.depth, startAfter: bound });
        return;
      }
    }
  }
  async function* destinationObjects(entries: AsyncIterable<LevelEntry>): AsyncGenerator<ObjectInfo> {
    for await (const e of entries) {
      const key = 'object' in e ? e.object.key : e.prefix;
      if (bound !== undefined && compareKeys(key, bound) >= 0) return;
      if ('object' in e) yield e.object;
    }
  }
  yield* march(sourceObjects(src.listLevel(part.prefix)), destinationObjects(dst.listLevel(part.prefix)));
}
