import type { ListWarning } from '../capabilities.js';
import { setMaxListeners } from 'node:events';
import { FerryError, compareKeys, describeError, withRetry, type ObjectHead, type ObjectInfo } from '../../core/index.js';
import type { GetOptions, GetResult, ListOptions, ObjectStore, VersionTag } from '../object-store.js';
import { describeSpec, type HttpListSpec } from '../store-spec.js';
import { checkedBody } from './checked-body.js';
import { HttpClient } from './http-client.js';
import { statusError } from './http-errors.js';
import { entryUrl, readListFile, type ListEntry } from './list-file.js';
import { mapOrdered } from './ordered-map.js';
import { probeUrl, type Probe } from './probe.js';
import { contentLength, contentRange, lastModifiedMs, md5Etag, metadataOf } from './response-headers.js';

export interface HttpListStoreOptions {
  /** HEAD requests in flight while listing. @defaultValue 16 */
  headConcurrency?: number;
  /** Tries per HEAD while listing (transient errors only). @defaultValue 3 */
  headAttempts?: number;
  /** Open connections per host. @defaultValue 64 */
  maxSockets?: number;
  /** Socket idle timeout. @defaultValue 60000 */
  timeoutMs?: number;
}


/**
 * A read-only source made of the URLs in an ossimport-style list file. Keys
 * are the list's relative paths, with the store prefix stripped (as S3 keys
 * are relative to the prefix).
 *
 * The whole list is read and sorted once (about 100 bytes a line), since the
 * listing must come out in key order and list files are in any order. Sizes
 * and times are not in the file: `list()` HEADs each URL, a bounded number
 * ahead of the consumer. URLs without Last-Modified get the listing time as
 * mtime, so a later run copies them again rather than trusting a guess.
 */
export class HttpListStore implements ObjectStore {
  readonly kind = 'http-list';
  readonly description: string;
  /** Entries whose URL failed its HEAD (404, 403, ...): not listed, to be reported. */
  readonly listWarnings: ListWarning[] = [];

  private readonly prefix: string;
  private readonly client: HttpClient;
  private readonly closing = new AbortController();
  private readonly headConcurrency: number;
  private readonly headAttempts: number;
  private entries: Promise<ListEntry[]> | undefined;

  constructor(
    private readonly spec: HttpListSpec,
    options: HttpListStoreOptions = {},
  ) {
    this.description = describeSpec(spec);
    this.prefix = spec.prefix;
    this.headConcurrency = Math.max(1, options.headConcurrency ?? 16);
    this.headAttempts = Math.max(1, options.headAttempts ?? 3);
    // Every request in flight listens on this signal; dozens at once are expected.
    setMaxListeners(0, this.closing.signal);
    this.client = new HttpClient({ maxSockets: options.maxSockets, timeoutMs: options.timeoutMs });
  }

  async *list(options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const entries = await this.load();
    const listedAt = Date.now();
    const prefix = this.prefix + (options.prefix ?? '');
    let start = lowerBound(entries, prefix, false);
    if (options.startAfter !== undefined) start = Math.max(start, lowerBound(entries, this.prefix + options.startAfter, true));
    const selected = (function* (): Generator<ListEntry> {
      for (let i = start; i < entries.length; i++) {
        const entry = entries[i];
        if (entry === undefined || !entry.key.startsWith(prefix)) return;
        yield entry;
      }
    })();

    const probes = mapOrdered(selected, this.headConcurrency, async (entry) => {
      try {
        return { entry, probe: await this.probeWithRetry(entry) };
      } catch (err) {
        return { entry, error: err };
      }
    });
    for await (const result of probes) {
      const key = result.entry.key.slice(this.prefix.length);
      if (result.probe === undefined) {
        if (this.closing.signal.aborted) return;
        const code = result.error instanceof FerryError ? result.error.code : 'INTERNAL';
        this.listWarnings.push({ key, error: describeError(result.error), code });
        continue;
      }
      const { size, mtimeMs, etag } = result.probe;
      yield { key, size, mtimeMs: mtimeMs ?? listedAt, etag };
    }
  }

  async head(key: string): Promise<ObjectHead> {
    const entry = await this.find(key);
    const probe = await probeUrl(this.client, entryUrl(entry), this.closing.signal);
    return headOf(key, probe);
  }

  /**
   * Plain web servers do not honour If-Match reliably, so the listed version
   * is checked against what the GET response says (total size, Last-Modified,
   * an MD5 ETag) before the body is handed over.
   */
  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const entry = await this.find(key);
    const url = entryUrl(entry);
    const { range, ifMatch } = options;
    if (range !== undefined && (!Number.isSafeInteger(range.start) || range.start < 0 || range.end < range.start)) {
      throw new FerryError('INVALID_ARGUMENT', `invalid range ${range.start}-${range.end} for ${key}`, { field: 'range' });
    }
    const what = `GET ${url}`;
    const res = await this.client.request('GET', url, range === undefined ? {} : { range: `bytes=${range.start}-${range.end}` }, this.closing.signal);
    try {
      if (res.status !== 200 && res.status !== 206) throw statusError(res.status, what);
      const partial = res.status === 206 ? contentRange(res.headers) : undefined;
      const total = res.status === 206 ? partial?.total : contentLength(res.headers);
      const mtimeMs = lastModifiedMs(res.headers);
      const etag = md5Etag(res.headers);
      if (ifMatch !== undefined) assertSameVersion(key, ifMatch, { total, mtimeMs, etag });

      let skip = 0;
      let trailing = false;
      let length: number;
      if (range === undefined) {
        if (res.status === 206 || total === undefined) throw new FerryError('UNSUPPORTED', `${what}: the server does not tell the size`);
        length = total;
      } else if (res.status === 206) {
        if (partial?.start !== range.start || partial.end === undefined) {
          throw new FerryError('SERVER_ERROR', `${what}: asked for bytes ${range.start}-${range.end}, got ${res.headers['content-range'] ?? 'no Content-Range'}`);
        }
        length = partial.end - partial.start + 1;
      } else {
        // The server ignored Range and sends the whole object: cut the range out.
        if (total === undefined) throw new FerryError('UNSUPPORTED', `${what}: no Range support and no Content-Length`);
        if (range.start >= total) throw new FerryError('INVALID_ARGUMENT', `range ${range.start}-${range.end} is beyond ${key} (${total} bytes)`, { field: 'range' });
        skip = range.start;
        length = Math.min(range.end, total - 1) - range.start + 1;
        trailing = skip + length < total;
      }
      // A server that hides the total (`bytes 0-9/*`) leaves the listed size as the best guess.
      const probe: Probe = { size: total ?? ifMatch?.size ?? length, mtimeMs, etag, metadata: metadataOf(res.headers) };
      return { body: checkedBody(res.body, { skip, length, trailing, what }), length, head: headOf(key, probe) };
    } catch (err) {
      res.body.destroy();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closing.abort(new FerryError('INTERNAL', `${this.description} is closed`));
    this.client.close();
  }

  private load(): Promise<ListEntry[]> {
    this.entries ??= readListFile(this.spec.list).then((all) =>
      // The key equal to the prefix would be the empty key: not an object.
      this.prefix === '' ? all : all.filter((e) => e.key.startsWith(this.prefix) && e.key !== this.prefix),
    );
    return this.entries;
  }

  private async find(key: string): Promise<ListEntry> {
    const entries = await this.load();
    const full = this.prefix + key;
    const entry = entries[lowerBound(entries, full, false)];
    if (key === '' || entry?.key !== full) throw new FerryError('NOT_FOUND', `${key} is not in list file ${this.spec.list}`);
    return entry;
  }

  private probeWithRetry(entry: ListEntry): Promise<Probe> {
    const signal = this.closing.signal;
    return withRetry(() => probeUrl(this.client, entryUrl(entry), signal), { attempts: this.headAttempts, signal });
  }
}

function headOf(key: string, probe: Probe): ObjectHead {
  return { key, size: probe.size, mtimeMs: probe.mtimeMs ?? Date.now(), etag: probe.etag, metadata: probe.metadata };
}

/** Compares what the response tells (each part only when the server sends it) with the listed version. */
function assertSameVersion(
  key: string,
  listed: VersionTag,
  now: { total: number | undefined; mtimeMs: number | undefined; etag: string | undefined },
): void {
  const changes: string[] = [];
  if (now.total !== undefined && now.total !== listed.size) changes.push(`size ${listed.size} -> ${now.total}`);
  if (now.mtimeMs !== undefined && now.mtimeMs !== listed.mtimeMs) changes.push(`Last-Modified ${listed.mtimeMs} -> ${now.mtimeMs}`);
  if (now.etag !== undefined && listed.etag !== undefined && now.etag !== listed.etag) changes.push(`ETag ${listed.etag} -> ${now.etag}`);
  if (changes.length > 0) throw new FerryError('PRECONDITION_FAILED', `${key} changed since it was listed (${changes.join(', ')})`);
}

/** First index whose key is >= `key` (or > `key` when `strict`), in byte order. */
function lowerBound(entries: readonly ListEntry[], key: string, strict: boolean): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = compareKeys(entries[mid]?.key ?? '', key);
    if (cmp < 0 || (strict && cmp === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
