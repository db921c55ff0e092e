import { Readable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';
import { FerryError } from '../../core/index.js';
import { fileVersion, sameContentVersion, type FileVersion } from './file-version.js';
import { fsError } from './fs-errors.js';

const CHUNK = 256 * 1024;

/**
 * Reads `length` bytes of an open file from `start`, then checks the file
 * still has the size and mtime it had when opened. A file rewritten while it
 * was read would otherwise be copied torn; it fails with SOURCE_CHANGED
 * (retryable: the next attempt reads the new version whole).
 */
export class CheckedReadStream extends Readable {
  private position: number;
  private remaining: number;

  constructor(
    private readonly handle: FileHandle,
    start: number,
    length: number,
    private readonly opened: FileVersion,
    private readonly label: string,
  ) {
    super({ highWaterMark: CHUNK });
    this.position = start;
    this.remaining = length;
  }

  override _read(): void {
    this.readChunk().catch((err: unknown) => this.destroy(fsError(err, `read ${this.label}`)));
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // close() waits for a read still in flight, so the handle is never leaked.
    this.handle.close().then(
      () => callback(err),
      (closeErr: unknown) => callback(err ?? (closeErr as Error)),
    );
  }

  private async readChunk(): Promise<void> {
    if (this.remaining === 0) {
      await this.assertUnchanged();
      this.push(null);
      return;
    }
    const want = Math.min(CHUNK, this.remaining);
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.handle.read(buffer, 0, want, this.position);
    if (bytesRead === 0) throw this.changed('was truncated');
    this.position += bytesRead;
    this.remaining -= bytesRead;
    this.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
  }

  private async assertUnchanged(): Promise<void> {
    const now = fileVersion(await this.handle.stat());
    if (!sameContentVersion(now, this.opened)) throw this.changed('changed size or mtime');
  }

  private changed(how: string): FerryError {
    return new FerryError('SOURCE_CHANGED', `${this.label} ${how} while it was read`, { retryable: true });
  }
}
