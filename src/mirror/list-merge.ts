import { afterPrefix, compareKeys, type ObjectInfo } from '../core/index.js';
import { hasLevelListing, type ObjectStore } from '../stores/index.js';
import { S3Fault } from './s3-fault.js';

/** One line of a listing: an object, or a common prefix (`object` undefined). */
export interface ListEntry {
  key: string;
  object?: ObjectInfo | undefined;
}

export interface ListQuery {
  prefix: string;
  delimiter: string | undefined;
  /** Keys strictly after this are listed (S3's start-after / marker). */
  startAfter: string | undefined;
  /** A page continues after this entry (from a continuation token or a marker). */
  after: ListEntry | undefined;
  maxKeys: number;
}

export interface ListPage {
  entries: ListEntry[];
  /** More entries follow the last one. */
  truncated: boolean;
}

/**
 * One page of the mirror's listing: the destination's and the source's
 * listings merged in key order (a merge-join, as the copy engine's march),
 * so clients see every object during the switchover whether or not it was
 * migrated yet. Where both hold a key, the destination's object is listed:
 * it is what a read returns. Common prefixes come from either side, once.
 */
export async function listPage(dst: ObjectStore, src: ObjectStore, q: ListQuery, isDeleted: (key: string) => boolean): Promise<ListPage> {
  const entries: ListEntry[] = [];
  if (q.maxKeys <= 0) return { entries, truncated: false };
  // Resuming after a common prefix skips everything below it in one go.
  const startAfter = q.after ? (q.after.object ? q.after.key : afterPrefix(q.after.key)) : q.startAfter;
  const sourceOnly = (e: ListEntry): boolean => !(e.object && isDeleted(e.key));
  const merged = mergeEntries(levelEntries(dst, q.prefix, q.delimiter, startAfter), filter(levelEntries(src, q.prefix, q.delimiter, startAfter), sourceOnly));
  try {
    for await (const entry of merged) {
      if (q.after && compareKeys(entry.key, q.after.key) <= 0) continue;
      if (entries.length === q.maxKeys) return { entries, truncated: true };
      entries.push(entry);
    }
  } finally {
    await merged.return(undefined);
  }
  return { entries, truncated: false };
}

/** One store's listing under `prefix`, with keys rolled up at `delimiter` into common prefixes. */
async function* levelEntries(store: ObjectStore, prefix: string, delimiter: string | undefined, startAfter: string | undefined): AsyncGenerator<ListEntry> {
  if (delimiter === '/' && hasLevelListing(store)) {
    for await (const e of store.listLevel(prefix, startAfter === undefined ? {} : { startAfter })) {
      yield 'object' in e ? { key: e.object.key, object: e.object } : { key: e.prefix };
    }
    return;
  }
  let lastPrefix: string | undefined;
  const options = { ...(prefix ? { prefix } : {}), ...(startAfter === undefined ? {} : { startAfter }) };
  for await (const o of store.list(options)) {
    if (delimiter) {
      const at = o.key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        const common = o.key.slice(0, at + delimiter.length);
        if (common !== lastPrefix) {
          lastPrefix = common;
          yield { key: common };
        }
        continue;
      }
    }
    yield { key: o.key, object: o };
  }
}

async function* filter(entries: AsyncGenerator<ListEntry>, keep: (e: ListEntry) => boolean): AsyncGenerator<ListEntry> {
  for await (const e of entries) if (keep(e)) yield e;
}

/** Two ordered listings as one; on equal keys the first one's entry wins. */
async function* mergeEntries(first: AsyncGenerator<ListEntry>, second: AsyncGenerator<ListEntry>): AsyncGenerator<ListEntry> {
  try {
    let a = await first.next();
    let b = await second.next();
    while (!a.done || !b.done) {
      if (b.done || (!a.done && compareKeys(a.value.key, b.value.key) <= 0)) {
        const entry = a.value as ListEntry;
        if (!b.done && b.value.key === entry.key) b = await second.next();
        yield entry;
        a = await first.next();
      } else {
        yield b.value;
        b = await second.next();
      }
    }
  } finally {
    await Promise.all([first.return(undefined), second.return(undefined)]);
  }
}

/** The opaque continuation token for the entry a page ended with. */
export function continuationToken(last: ListEntry): string {
  return Buffer.from(JSON.stringify({ k: last.key, p: last.object ? 0 : 1 }), 'utf8').toString('base64url');
}

export function parseContinuationToken(token: string): ListEntry {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown; p?: unknown };
    if (typeof v.k === 'string' && (v.p === 0 || v.p === 1)) return v.p === 1 ? { key: v.k } : { key: v.k, object: { key: v.k, size: 0, mtimeMs: 0 } };
  } catch {
    // Falls through to the error below.
  }
  throw new S3Fault('InvalidArgument', 400, 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token', ArgumentValue: token });
}
