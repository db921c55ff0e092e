import type { Readable } from 'node:stream';
import { isFerryError, type ObjectHead } from '../core/index.js';
import type { ObjectStore } from '../stores/index.js';
import { parseRange, resolveRange, type RangeAsked } from './byte-range.js';
import { evaluateConditions, hasConditions } from './conditions.js';
import type { Exchange } from './exchange.js';
import { invalidObjectState, type FillFlights } from './fill-flights.js';
import { objectHeaders } from './object-headers.js';
import { noSuchKey, S3Fault } from './s3-fault.js';
import { SequentialSlices } from './sequential-slices.js';

export interface ReadDeps {
  src: ObjectStore;
  dst: ObjectStore;
  flights: FillFlights;
  archiveClasses: ReadonlySet<string>;
  /** Keys deleted through the mirror: never fetched from the source again. */
  isDeleted: (key: string) => boolean;
}

/**
 * GET or HEAD of an object. The destination first; on a miss, a GET joins
 * (or starts) the key's fill and is answered from the source body as it
 * streams, a HEAD is answered from the source's HEAD (no fill: a HEAD moves
 * no bytes). Missing in both: 404 NoSuchKey.
 */
export async function readObject(deps: ReadDeps, ex: Exchange, key: string, query: ReadonlyMap<string, string>): Promise<void> {
  const head = ex.isHead;
  const range = head ? undefined : parseRange(ex.req.headers.range);
  if (await serveFromStore(deps.dst, ex, key, range, query, undefined)) {
    ex.outcome = 'hit';
    return;
  }
  if (deps.flights.wasJustFilled(key) && (await serveFromStore(deps.dst, ex, key, range, query, undefined))) {
    ex.outcome = 'hit';
    return;
  }
  if (deps.isDeleted(key)) {
    ex.outcome = 'deleted';
    throw noSuchKey(key);
  }
  if (!head && !deps.flights.isWriting(key)) {
    const { flight, created } = deps.flights.join(key);
    let srcHead: ObjectHead;
    try {
      srcHead = await flight.ready;
    } catch (err) {
      if (isFerryError(err) && err.code === 'NOT_FOUND') {
        ex.outcome = 'absent';
        throw noSuchKey(key);
      }
      if (err instanceof S3Fault && err.code === 'InvalidObjectState') ex.outcome = 'archived';
      throw err;
    }
    ex.outcome = created ? 'miss' : 'join';
    if (answeredByConditions(ex, srcHead, query)) return;
    const reader = flight.subscribe();
    if (reader) {
      await sendFromReader(ex, srcHead, reader, range, query);
      return;
    }
    // Joined too late to be given this body from its start: the destination has it once the fill is done.
    if ((await flight.done) && (await serveFromStore(deps.dst, ex, key, range, query, undefined))) {
      ex.outcome = 'fill-wait';
      return;
    }
  }
  // A HEAD, a fill that failed, or a write of this key under way: straight from the source, no fill.
  if (await serveFromStore(deps.src, ex, key, range, query, deps.archiveClasses)) {
    ex.outcome = head ? 'miss' : 'source';
    return;
  }
  ex.outcome = 'absent';
  throw noSuchKey(key);
}

/**
 * Answers from one store; false when it has no such object. A HEAD, a
 * conditional request or a suffix range needs the object's size or version
 * first, so it costs a HEAD before the GET.
 */
async function serveFromStore(
  store: ObjectStore,
  ex: Exchange,
  key: string,
  range: RangeAsked | undefined,
  query: ReadonlyMap<string, string>,
  archiveClasses: ReadonlySet<string> | undefined,
): Promise<boolean> {
  const conditional = hasConditions(ex.req.headers);
  let head: ObjectHead | undefined;
  if (ex.isHead || conditional || (range !== undefined && 'suffix' in range)) {
    head = await orMissing(store.head(key));
    if (!head) return false;
    if (!ex.isHead && head.storageClass && archiveClasses?.has(head.storageClass)) {
      ex.outcome = 'archived';
      throw invalidObjectState(head.storageClass);
    }
    if (answeredByConditions(ex, head, query)) return true;
    if (ex.isHead) {
      ex.sendHead(objectHeaders(head, query), head.size);
      return true;
    }
  }
  let byteRange: { start: number; end: number } | undefined;
  if (range !== undefined) {
    if (head) {
      byteRange = resolveRange(range, head.size);
      if (!byteRange) {
        unsatisfiable(ex, head.size);
        return true;
      }
    } else if (!('suffix' in range)) {
      byteRange = { start: range.start, end: range.end ?? Number.MAX_SAFE_INTEGER };
    }
  }
  let got;
  try {
    got = await store.get(key, byteRange ? { range: byteRange } : {});
  } catch (err) {
    if (isFerryError(err) && err.code === 'NOT_FOUND') return false;
    if (byteRange && isFerryError(err) && (err.code === 'INVALID_ARGUMENT' || err.status === 416)) {
      const now = await orMissing(store.head(key));
      if (!now) return false;
      unsatisfiable(ex, now.size);
      return true;
    }
    throw err;
  }
  if (got.head.storageClass && archiveClasses?.has(got.head.storageClass)) {
    got.body.destroy();
    ex.outcome = 'archived';
    throw invalidObjectState(got.head.storageClass);
  }
  const headers = objectHeaders(got.head, query);
  if (byteRange) {
    const start = byteRange.start;
    headers['content-range'] = `bytes ${start}-${start + got.length - 1}/${got.head.size}`;
    await ex.stream(206, headers, got.body, got.length);
  } else {
    await ex.stream(200, headers, got.body, got.length);
  }
  return true;
}

/** Streams a body being read from the source (whole, or the asked range of it). */
async function sendFromReader(ex: Exchange, head: ObjectHead, reader: Readable, range: RangeAsked | undefined, query: ReadonlyMap<string, string>): Promise<void> {
  const headers = objectHeaders(head, query);
  if (range === undefined) {
    await ex.stream(200, headers, reader, head.size);
    return;
  }
  const r = resolveRange(range, head.size);
  if (!r) {
    reader.destroy();
    unsatisfiable(ex, head.size);
    return;
  }
  const length = r.end - r.start + 1;
  // The fill needs the whole body; this client only the range of it, after which it lets go.
  const body = new SequentialSlices(reader).next(length, r.start);
  body.once('close', () => reader.destroy());
  headers['content-range'] = `bytes ${r.start}-${r.end}/${head.size}`;
  await ex.stream(206, headers, body, length);
}

/** Sends 304 or 412 when the conditional headers say so; false when the object is to be served. */
function answeredByConditions(ex: Exchange, head: ObjectHead, query: ReadonlyMap<string, string>): boolean {
  if (!hasConditions(ex.req.headers)) return false;
  const outcome = evaluateConditions(ex.req.headers, head.etag, head.mtimeMs);
  if (outcome === 'serve') return false;
  if (outcome === 'not-modified') {
    const h = objectHeaders(head, query);
    const keep: Record<string, string> = { 'last-modified': h['last-modified'] as string };
    if (h.etag) keep.etag = h.etag;
    ex.res.writeHead(304, keep);
    ex.res.end();
    return true;
  }
  ex.fail(new S3Fault('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: ex.req.headers['if-match'] !== undefined ? 'If-Match' : 'If-Unmodified-Since' }));
  return true;
}

function unsatisfiable(ex: Exchange, size: number): void {
  ex.res.setHeader('content-range', `bytes */${size}`);
  ex.fail(new S3Fault('InvalidRange', 416, 'The requested range is not satisfiable', { ActualObjectSize: String(size), RangeRequested: ex.req.headers.range ?? '' }));
}

async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isFerryError(err) && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}
