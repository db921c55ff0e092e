import { Transform, type TransformCallback } from 'node:stream';
import type { RateLimiter } from './rate-limiter.js';

export interface ThrottleStreamOptions {
  /**
   * The most bytes asked of the limiter at once. A network read can hand
   * over megabytes in one chunk; slicing it keeps the flow even and lets
   * other transfers take their turn in between.
   * @defaultValue 64 KiB
   */
  sliceBytes?: number | undefined;
  /** Aborting destroys the stream (with an AbortError) and gives up its place in the limiter's queue. */
  signal?: AbortSignal | undefined;
}

const DEFAULT_SLICE = 64 * 1024;

/**
 * Passes bytes on no faster than `limiter` allows: each slice is pushed
 * only after `take(slice.length)` resolves. Backpressure is the ordinary
 * kind, so the source is read no faster either.
 */
export class ThrottleStream extends Transform {
  private readonly slice: number;
  // Destroying the stream for any reason must cancel a take still waiting,
  // or the limiter would hold back other transfers for bytes never sent.
  private readonly stop = new AbortController();

  constructor(
    private readonly limiter: RateLimiter,
    options: ThrottleStreamOptions = {},
  ) {
    super(options.signal ? { signal: options.signal } : {});
    this.slice = Math.max(1, options.sliceBytes ?? DEFAULT_SLICE);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pass(chunk).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop.abort(error ?? undefined);
    callback(error);
  }

  private async pass(chunk: Buffer): Promise<void> {
    if (chunk.length <= this.slice) {
      await this.limiter.take(chunk.length, this.stop.signal);
      this.push(chunk);
      return;
    }
    for (let offset = 0; offset < chunk.length; offset += this.slice) {
      const piece = chunk.subarray(offset, offset + this.slice);
      await this.limiter.take(piece.length, this.stop.signal);
      this.push(piece);
    }
  }
}
