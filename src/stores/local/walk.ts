import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError, assertSafeLocalKey, compareKeys } from '../../core/index.js';
import { errnoCode, fsError } from './fs-errors.js';
import { isTempName } from './temp-name.js';

/** Which directories a listing reports as `dir/` marker keys. */
export type MarkerMode = 'empty' | 'all';

export interface WalkOptions {
  /** Only keys starting with this (relative to the root; may end mid-name). */
  prefix: string;
  /** Only keys strictly after this one. */
  startAfter?: string | undefined;
  markers: MarkerMode;
  /** A file or directory that could not be read; the walk goes on without it. */
  onWarning: (key: string, error: FerryError) => void;
}

export interface WalkEntry {
  /** Relative to the root; directories end with `/`. */
  key: string;
  isDir: boolean;
  stats: Stats;
}

interface Child {
  name: string;
  key: string;
  isDir: boolean;
  /** False for a name that is not valid UTF-8: reported where it would be listed, never opened. */
  valid: boolean;
  /** The name as compared: directories as `name/`, so a subtree sorts where its keys do. */
  sortName: Buffer;
}

/** Stats fetched ahead of the consumer, so listing is not one stat() round trip per file. */
const STAT_LOOKAHEAD = 32;

/**
 * Walks `root` and yields files (and directory markers) in byte-wise UTF-8 key
 * order, the order S3 lists in, holding one directory's names per level.
 *
 * Siblings sorted by name, with a directory compared as `name/`, give that
 * order: all keys below `d/` share that prefix, so they sort together right
 * after the marker `d/` and between the siblings around it (`d-x` < `d/...` <
 * `d0`). Subtrees that lie wholly outside the prefix or at or before
 * `startAfter` are never opened.
 *
 * Symlinks to files are followed; symlinks to directories are skipped, since
 * they may form cycles or lead outside the tree. Sockets, FIFOs and devices
 * are skipped. Names that are not valid UTF-8 cannot be keys and are reported.
 */
export async function* walkSorted(root: string, options: WalkOptions): AsyncGenerator<WalkEntry> {
  let rootStats: Stats;
  try {
    rootStats = await stat(root);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw rootError(err, root);
  }
  if (!rootStats.isDirectory()) throw new FerryError('CONFIG', `${root} is not a directory`, { fatal: true });

  // Start in the deepest directory the prefix names: `photos/2024` starts in `photos/`.
  const startKey = options.prefix.slice(0, options.prefix.lastIndexOf('/') + 1);
  if (startKey !== '' && !isSafeDirKey(startKey)) return;
  yield* visit(root, startKey, options, true);
}

async function* visit(root: string, dirKey: string, options: WalkOptions, isStart: boolean): AsyncGenerator<WalkEntry> {
  const dirPath = dirKey === '' ? root : join(root, dirKey);
  const children = await readChildren(dirPath, dirKey, options, isStart);
  if (children === undefined) return;

  const empty = !children.some((c) => c.valid);
  if (dirKey !== '' && (options.markers === 'all' || empty) && keyWanted(dirKey, options)) {
    const dirStats = await statQuietly(dirPath, dirKey, options);
    if (dirStats !== undefined) yield { key: dirKey, isDir: true, stats: dirStats };
  }

  const wanted = children.filter((c) => (c.isDir ? subtreeWanted(c.key, options) : keyWanted(c.key, options)));
  const pending = new Map<number, Promise<Stats | undefined>>();
  let next = 0;
  for (let i = 0; i < wanted.length; i++) {
    for (; next < wanted.length && next < i + STAT_LOOKAHEAD; next++) {
      const ahead = wanted[next];
      if (ahead !== undefined && !ahead.isDir && ahead.valid) pending.set(next, statQuietly(join(dirPath, ahead.name), ahead.key, options));
    }
    const child = wanted[i];
    if (child === undefined) continue;
    if (!child.valid) {
      const shown = JSON.stringify(child.key);
      options.onWarning(child.key, new FerryError('INVALID_KEY', `file name ${shown} is not valid UTF-8 and cannot be a key`));
      continue;
    }
    if (child.isDir) {
      yield* visit(root, child.key, options, false);
      continue;
    }
    const stats = await pending.get(i);
    pending.delete(i);
    // Gone since readdir, or reported as unreadable: either way not listed.
    if (stats !== undefined && stats.isFile()) yield { key: child.key, isDir: false, stats };
  }
}

async function readChildren(dirPath: string, dirKey: string, options: WalkOptions, isStart: boolean): Promise<Child[] | undefined> {
  let dirents: Dirent<Buffer>[];
  try {
    dirents = await readdir(dirPath, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    const code = errnoCode(err);
    // Missing or not a directory: nothing lives under that prefix.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (isStart) throw rootError(err, dirPath);
    options.onWarning(dirKey, fsError(err, `read directory ${dirPath}`));
    return undefined;
  }

  const children: Child[] = [];
  const symlinks: Array<Promise<void>> = [];
  for (const dirent of dirents) {
    const name = dirent.name.toString('utf8');
    if (isTempName(name)) continue;
    const valid = Buffer.from(name, 'utf8').equals(dirent.name);
    if (dirent.isDirectory()) children.push(child(dirKey, name, true, valid));
    else if (dirent.isFile() || !valid) children.push(child(dirKey, name, false, valid));
    else if (dirent.isSymbolicLink()) {
      symlinks.push(
        stat(join(dirPath, name)).then(
          (target) => void (target.isFile() && children.push(child(dirKey, name, false, true))),
          () => undefined, // dangling link: nothing to copy
        ),
      );
    }
  }
  await Promise.all(symlinks);
  return children.sort((a, b) => Buffer.compare(a.sortName, b.sortName));
}

function child(dirKey: string, name: string, isDir: boolean, valid: boolean): Child {
  return {
    name,
    key: isDir ? `${dirKey}${name}/` : dirKey + name,
    isDir,
    valid,
    sortName: Buffer.from(isDir ? `${name}/` : name, 'utf8'),
  };
}

async function statQuietly(path: string, key: string, options: WalkOptions): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') options.onWarning(key, fsError(err, `stat ${path}`));
    return undefined;
  }
}

function keyWanted(key: string, { prefix, startAfter }: WalkOptions): boolean {
  return key.startsWith(prefix) && (startAfter === undefined || compareKeys(key, startAfter) > 0);
}

/**
 * Whether a directory `dirKey` (ending in `/`) may hold wanted keys. Every key
 * below it starts with `dirKey`; if `dirKey` sorts before `startAfter` without
 * being a prefix of it, so does every one of those keys.
 */
function subtreeWanted(dirKey: string, { prefix, startAfter }: WalkOptions): boolean {
  if (!dirKey.startsWith(prefix) && !prefix.startsWith(dirKey)) return false;
  if (startAfter === undefined) return true;
  return startAfter.startsWith(dirKey) || compareKeys(dirKey, startAfter) > 0;
}

function isSafeDirKey(key: string): boolean {
  try {
    assertSafeLocalKey(key);
    return true;
  } catch {
    return false;
  }
}

/** The root (or the directory the prefix names) cannot be read: nothing will work. */
function rootError(err: unknown, path: string): FerryError {
  const mapped = fsError(err, `read ${path}`);
  return new FerryError(mapped.code, mapped.message, { cause: err, fatal: true });
}
