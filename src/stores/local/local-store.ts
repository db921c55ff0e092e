import type { ListWarning } from '../capabilities.js';
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, rmdir, stat, utimes } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import {
  FerryError,
  assertSafeLocalKey,
  describeError,
  emptyMetadata,
  isFerryError,
  type ObjectHead,
  type ObjectInfo,
} from '../../core/index.js';
import type { GetOptions, GetResult, ListOptions, PutOptions, PutResult, WritableStore } from '../object-store.js';
import { describeSpec, type LocalSpec } from '../store-spec.js';
import { writeFileAtomic } from './atomic-write.js';
import { CheckedReadStream } from './checked-read-stream.js';
import { contentTypeFor } from './content-type.js';
import { fileVersion, sameContentVersion } from './file-version.js';
import { errnoCode, fsError } from './fs-errors.js';
import { keyPath } from './local-path.js';
import { walkSorted, type MarkerMode } from './walk.js';

export interface LocalStoreOptions {
  /**
   * `empty` (default, for a source): a directory is listed as a `dir/` marker
   * only when it is empty, so empty directories survive a copy to a bucket.
   * `all` (for a destination): every directory is listed as `dir/`, so a
   * marker object copied from a bucket finds its match.
   */
  markers?: MarkerMode;
}


/** MD5 of zero bytes: what a directory marker "contains". */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/**
 * The files below a directory as objects. Keys are relative to `path` +
 * `prefix`, where `prefix` is a key prefix like S3's and may end mid-name
 * (`photos/2024` holds `photos/2024-01.jpg` as key `-01.jpg`).
 *
 * Versions are size + mtime (no ETags); `storedMs` is the ctime, the moment
 * the file was last written here.
 */
export class LocalStore implements WritableStore {
  readonly kind = 'local';
  readonly description: string;
  /**
   * Unreadable directories and files met by `list()`, which skips them and
   * goes on (as rclone does); a listing with warnings is incomplete, so the
   * caller should report them and must not delete on the strength of it.
   */
  readonly listWarnings: ListWarning[] = [];

  private readonly root: string;
  private readonly prefix: string;
  private readonly markers: MarkerMode;

  constructor(spec: LocalSpec, options: LocalStoreOptions = {}) {
    this.root = resolve(spec.path);
    this.prefix = spec.prefix;
    this.markers = options.markers ?? 'empty';
    this.description = describeSpec(spec);
    const prefixDir = spec.prefix.slice(0, spec.prefix.lastIndexOf('/') + 1);
    if (prefixDir !== '') {
      try {
        assertSafeLocalKey(prefixDir);
      } catch (err) {
        throw new FerryError('CONFIG', `local prefix ${JSON.stringify(spec.prefix)} is not a relative path`, { fatal: true, field: 'prefix', cause: err });
      }
    }
  }

  async *list(options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const prefixLength = this.prefix.length;
    const entries = walkSorted(this.root, {
      prefix: this.prefix + (options.prefix ?? ''),
      startAfter: options.startAfter === undefined ? undefined : this.prefix + options.startAfter,
      markers: this.markers,
      onWarning: (key, error) => this.listWarnings.push({ key: key.slice(prefixLength), error: describeError(error), code: error.code }),
    });
    for await (const entry of entries) {
      const key = entry.key.slice(prefixLength);
      // The directory the prefix itself names is the root, not an object.
      if (key === '') continue;
      yield info(key, entry.stats, entry.isDir);
    }
  }

  async head(key: string): Promise<ObjectHead> {
    const path = this.pathOf(key);
    let stats: Stats;
    try {
      stats = await stat(path);
    } catch (err) {
      throw fsError(err, `stat ${path}`);
    }
    const isDir = key.endsWith('/');
    if (isDir ? !stats.isDirectory() : !stats.isFile()) throw notFound(key);
    return headOf(key, stats, isDir);
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    if (key.endsWith('/')) {
      const head = await this.head(key);
      return { body: Readable.from([]), length: 0, head };
    }
    const path = this.pathOf(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw fsError(err, `open ${path}`);
    }
    try {
      const stats = await handle.stat();
      // open() succeeds on a directory; reading it would fail later.
      if (!stats.isFile()) throw notFound(key);
      const version = fileVersion(stats);
      const { ifMatch, range } = options;
      if (ifMatch !== undefined && !sameContentVersion(version, ifMatch)) {
        throw new FerryError(
          'PRECONDITION_FAILED',
          `${key} changed since it was listed (size ${ifMatch.size} -> ${version.size}, mtime ${ifMatch.mtimeMs} -> ${version.mtimeMs})`,
        );
      }
      const { start, length } = byteRange(key, stats.size, range);
      const body = new CheckedReadStream(handle, start, length, version, path);
      return { body, length, head: headOf(key, stats, false) };
    } catch (err) {
      await handle.close();
      throw isFerryError(err) ? err : fsError(err, `read ${path}`);
    }
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const path = this.pathOf(key);
    if (key.endsWith('/')) return this.putDirectory(key, path, body, options);

    const dir = dirname(path);
    const created = await this.makeDirectory(dir, key);
    // Checked before any byte moves; rename() would refuse late with EISDIR.
    const existing = await lstat(path).catch(() => undefined);
    if (existing?.isDirectory()) {
      body.destroy();
      throw new FerryError('INVALID_KEY', `cannot write file ${key}: a directory exists at ${path}`, { field: 'key' });
    }
    try {
      return await writeFileAtomic(path, body, {
        size: options.size,
        mtimeMs: options.mtimeMs,
        signal: options.signal,
        label: path,
        // Another put's cleanup may remove the directory between mkdir and open.
        makeDirectory: () => this.makeDirectory(dir, key).then(() => undefined),
      });
    } catch (err) {
      // Directories made for this file only would list as `dir/` markers: objects that never existed.
      if (created !== undefined) await removeEmptyDirectories(dir, created);
      throw err;
    }
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    return keyPath(this.root, this.prefix + key);
  }

  private async putDirectory(key: string, path: string, body: Readable, options: PutOptions): Promise<PutResult> {
    if (options.size !== 0) {
      body.destroy();
      throw new FerryError('INVALID_KEY', `${key} ends in / and names a directory, which cannot hold ${options.size} bytes on a local disk`, { field: 'key' });
    }
    let received = 0;
    for await (const chunk of body as AsyncIterable<Buffer | string>) received += chunk.length;
    if (received !== 0) {
      throw new FerryError('VERIFY_FAILED', `${key}: expected 0 bytes, received ${received}`, { retryable: true });
    }
    await this.makeDirectory(path, key);
    const seconds = options.mtimeMs / 1000;
    try {
      await utimes(path, seconds, seconds);
    } catch (err) {
      throw fsError(err, `set mtime of ${path}`);
    }
    return { md5: EMPTY_MD5 };
  }

  /** Creates `path` and missing parents; returns the topmost directory it created, if any. */
  private async makeDirectory(path: string, key: string): Promise<string | undefined> {
    try {
      return await mkdir(path, { recursive: true });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new FerryError('INVALID_KEY', `cannot write ${key}: a file is in the way of directory ${path}`, { field: 'key', cause: err });
      }
      throw fsError(err, `create directory ${path}`);
    }
  }
}

function info(key: string, stats: Stats, isDir: boolean): ObjectInfo {
  const version = fileVersion(stats);
  return { key, size: isDir ? 0 : version.size, mtimeMs: version.mtimeMs, storedMs: version.ctimeMs };
}

function headOf(key: string, stats: Stats, isDir: boolean): ObjectHead {
  const metadata = emptyMetadata();
  metadata.contentType = isDir ? 'application/x-directory' : contentTypeFor(key);
  return { ...info(key, stats, isDir), metadata };
}

/** Removes `dir` and its parents up to `top` while they are empty; stops at the first that is not. */
async function removeEmptyDirectories(dir: string, top: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    if (current === top || dirname(current) === current) return;
  }
}

function notFound(key: string): FerryError {
  return new FerryError('NOT_FOUND', `${key} not found`);
}

/** Resolves an inclusive range against the file size; an end past the file is clamped as S3 does. */
function byteRange(key: string, size: number, range: GetOptions['range']): { start: number; length: number } {
  if (range === undefined) return { start: 0, length: size };
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || start >= size) {
    throw new FerryError('INVALID_ARGUMENT', `range ${start}-${end} is not within ${key} (${size} bytes)`, { field: 'range' });
  }
  return { start, length: Math.min(end, size - 1) - start + 1 };
}
