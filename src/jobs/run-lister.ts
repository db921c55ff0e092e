import { afterPrefix, type ObjectInfo } from '../core/index.js';
import { decide, march, type DecideContext } from '../engine/index.js';
import { hasLevelListing, type ObjectStore } from '../stores/index.js';
import type { ListPart, ResultRow, RunStore, TaskItem } from './run-store.js';

/** A checkpoint is written after this many listed objects or this long, whichever comes first. */
const CHECKPOINT_OBJECTS = 1000;
const CHECKPOINT_MS = 1000;

export interface ListerInput {
  store: RunStore;
  src: ObjectStore;
  dst: ObjectStore;
  decide: DecideContext;
  limits: { maxObjects: number; maxBytes: number };
  /** List parts at once. */
  concurrency: number;
  /** Depth below which parts are listed one level at a time (their sub-prefixes become parts). */
  levelDepth: number;
  signal: AbortSignal;
  onListed?: (n: number, bytes: number) => void;
}

/**
 * Lists a run's source into tasks, part by part: the bucket's first levels
 * one level at a time, each sub-prefix listed in full as its own part, up to
 * `concurrency` parts at once. Every part's progress is checkpointed with its
 * cursor, so after a crash listing continues where it stopped, never from
 * the start. Items reach tasks as listing goes, so copying starts at once.
 */
export async function listRun(input: ListerInput): Promise<void> {
  const { store } = input;
  if (store.listParts().length === 0) {
    store.addListPart('', 0, hasLevelListing(input.src) && input.concurrency > 1 && input.levelDepth > 0);
  }
  const running = new Map<number, Promise<void>>();
  for (;;) {
    if (input.signal.aborted) break;
    const parts = store.listParts().filter((p) => !p.done && !running.has(p.idx));
    for (const part of parts) {
      if (running.size >= input.concurrency) break;
      const task = listPart(input, part).finally(() => running.delete(part.idx));
      running.set(part.idx, task);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  await Promise.all(running.values());
}

async function listPart(input: ListerInput, part: ListPart): Promise<void> {
  const { store, src, dst, signal } = input;
  const startAfter = part.cursor ?? undefined;
  let items: TaskItem[] = [];
  let skipped: ResultRow[] = [];
  let subPrefixes: { prefix: string; depth: number; level: boolean }[] = [];
  let lastKey: string | null = null;
  let lastFlush = Date.now();
  let count = 0;

  const flush = (): void => {
    store.checkpoint(part.idx, lastKey, { items, skipped, subPrefixes }, input.limits);
    items = [];
    skipped = [];
    subPrefixes = [];
    lastFlush = Date.now();
    count = 0;
  };

  let source: AsyncIterable<ObjectInfo>;
  let destination: AsyncIterable<ObjectInfo>;
  if (part.level && hasLevelListing(src)) {
    // Objects of this level go through the merge; sub-prefixes become parts of their own.
    source = levelObjects(src.listLevel(part.prefix, { startAfter }), (prefix) => {
      subPrefixes.push({ prefix, depth: part.depth + 1, level: part.depth + 1 < input.levelDepth });
      lastKey = afterPrefix(prefix);
    });
    destination = hasLevelListing(dst)
      ? levelObjects(dst.listLevel(part.prefix, { startAfter }), () => undefined)
      : directChildren(dst.list({ prefix: part.prefix, startAfter }), part.prefix);
  } else {
    source = src.list({ prefix: part.prefix, startAfter });
    destination = dst.list({ prefix: part.prefix, startAfter });
  }

  for await (const { src: object, dst: existing } of march(source, destination)) {
    if (signal.aborted) break;
    const d = decide(object, existing, input.decide);
    if (d.action === 'copy') items.push({ ...object, reason: d.reason });
    else skipped.push({ key: object.key, status: 'skipped', size: object.size, srcEtag: object.etag, srcMtimeMs: object.mtimeMs, reason: d.reason, dstEtag: existing?.etag });
    lastKey = object.key;
    count++;
    input.onListed?.(1, object.size);
    if (count >= CHECKPOINT_OBJECTS || Date.now() - lastFlush >= CHECKPOINT_MS) flush();
  }
  // Prefixes seen after the last object still need their checkpoint.
  if (count > 0 || subPrefixes.length > 0) flush();
  if (!signal.aborted) store.finishListPart(part.idx);
}

/** The objects of a level listing; each sub-prefix is handed to `onPrefix` as it passes. */
async function* levelObjects(entries: AsyncIterable<{ object: ObjectInfo } | { prefix: string }>, onPrefix: (prefix: string) => void): AsyncGenerator<ObjectInfo> {
  for await (const e of entries) {
    if ('object' in e) yield e.object;
    else onPrefix(e.prefix);
  }
}

/** Keys directly at one level (no `/` after the prefix but a final one), for stores without level listing. */
async function* directChildren(objects: AsyncIterable<ObjectInfo>, prefix: string): AsyncGenerator<ObjectInfo> {
  for await (const o of objects) {
    const rest = o.key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash === -1) yield o;
  }
}
