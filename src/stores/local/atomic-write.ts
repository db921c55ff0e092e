import { createHash } from 'node:crypto';
import { open, rename, rm, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { FerryError } from '../../core/index.js';
import { errnoCode, fsError } from './fs-errors.js';
import { tempName } from './temp-name.js';

export interface AtomicWriteOptions {
  /** Exact byte count the body must deliver. */
  size: number;
  mtimeMs: number;
  signal?: AbortSignal | undefined;
  /** Names the object in messages. */
  label: string;
  /** Re-creates the target's directory if it vanished before the temp file was opened. */
  makeDirectory?: (() => Promise<void>) | undefined;
}

/**
 * Streams `body` into a temp file next to `target`, hashing it, then sets the
 * mtime and renames it over `target`: the file appears whole or not at all.
 * On any failure the temp file is removed.
 *
 * No fsync: like rclone, Ferry trusts the page cache; a crash may lose the
 * last files written, which the next run's diff copies again.
 */
export async function writeFileAtomic(target: string, body: Readable, options: AtomicWriteOptions): Promise<{ md5: string }> {
  const { signal } = options;
  if (signal?.aborted) {
    body.destroy();
    throw signal.reason;
  }
  const temp = join(dirname(target), tempName());
  // Stops waiting on a stalled source as soon as the run is cancelled.
  const onAbort = (): void => void body.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const md5 = await writeTemp(temp, body, options);
    const seconds = options.mtimeMs / 1000;
    await utimes(temp, seconds, seconds);
    await rename(temp, target);
    return { md5 };
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    if (signal?.aborted) throw signal.reason;
    throw fsError(err, `write ${options.label}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function writeTemp(temp: string, body: Readable, { size, label, makeDirectory }: AtomicWriteOptions): Promise<string> {
  const hash = createHash('md5');
  let written = 0;
  // Opened before the first byte arrives so the file exists when cleanup runs.
  const handle = await openTemp(temp, makeDirectory);
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      written += bytes.length;
      // Fail early instead of spooling a source that is larger than promised.
      if (written > size) throw sizeMismatch(label, size, written, 'more than');
      hash.update(bytes);
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    }
  } finally {
    await handle.close();
  }
  if (written !== size) throw sizeMismatch(label, size, written, 'only');
  return hash.digest('hex');
}

/**
 * Opens the temp file, making its directory again if a failed write next to
 * it removed that directory in the meantime (no byte of the body is read yet,
 * so trying again is safe).
 */
async function openTemp(temp: string, makeDirectory: (() => Promise<void>) | undefined): Promise<FileHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open(temp, 'wx');
    } catch (err) {
      if (makeDirectory === undefined || errnoCode(err) !== 'ENOENT' || attempt >= 3) throw err;
      await makeDirectory();
    }
  }
}

function sizeMismatch(label: string, size: number, written: number, how: string): FerryError {
  return new FerryError('VERIFY_FAILED', `${label}: expected ${size} bytes, received ${how} ${written}`, { retryable: true });
}
