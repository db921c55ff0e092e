/**
 * Hashes bytes on their way through a copy, so verification costs no second
 * read of the data: MD5 always (S3 ETag / Content-MD5), CRC-64 on request
 * (OSS/COS `hash-crc64ecma`).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { FerryError } from '../../core/errors.js';
import { Crc64 } from './crc64.js';

export interface HashResult {
  bytes: number;
  md5Hex: string;
  md5Base64: string;
  /** Decimal CRC-64/XZ, or undefined when it was not asked for. */
  crc64: string | undefined;
}

export interface HashOptions {
  /** @defaultValue false */
  crc64?: boolean;
  /**
   * The size the source announced. More bytes fail at once (SOURCE_CHANGED)
   * so an overlong body is not uploaded; fewer fail at the end (NETWORK,
   * retryable), since a body that ends early without an error, e.g. a
   * cleanly closed connection, would otherwise become a truncated object.
   */
  expectedBytes?: number;
  /**
   * Called once per chunk with that chunk's size and the running total.
   * Deltas suit aggregating many transfers (bandwidth meters, throttles);
   * the total suits a per-object progress bar. Runs synchronously on the hot
   * path, so keep it cheap.
   */
  onProgress?: (chunkBytes: number, totalBytes: number) => void;
}

/** The hashing state without a stream around it, for buffers already in memory. */
export class ObjectHasher {
  private readonly md5: Hash = createHash('md5');
  private readonly crc: Crc64 | undefined;
  private readonly onProgress: HashOptions['onProgress'];
  private readonly expected: number | undefined;
  private total = 0;
  private finished: HashResult | undefined;

  constructor(options: HashOptions = {}) {
    this.crc = options.crc64 ? new Crc64() : undefined;
    this.onProgress = options.onProgress;
    this.expected = options.expectedBytes;
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.total;
  }

  update(chunk: Uint8Array): this {
    if (this.finished) throw new FerryError('INTERNAL', 'ObjectHasher.update() after digest()');
    this.md5.update(chunk);
    this.crc?.update(chunk);
    this.total += chunk.length;
    if (this.expected !== undefined && this.total > this.expected) {
      throw new FerryError('SOURCE_CHANGED', `source sent more than the expected ${this.expected} bytes`);
    }
    this.onProgress?.(chunk.length, this.total);
    return this;
  }

  /** Finalises; later calls return the same result (node's Hash can digest only once). */
  digest(): HashResult {
    if (!this.finished) {
      if (this.expected !== undefined && this.total < this.expected) {
        throw new FerryError(
          'NETWORK',
          `source ended after ${this.total} of the expected ${this.expected} bytes`,
          { retryable: true },
        );
      }
      const raw = this.md5.digest();
      this.finished = {
        bytes: this.total,
        md5Hex: raw.toString('hex'),
        md5Base64: raw.toString('base64'),
        crc64: this.crc?.digestDecimal(),
      };
    }
    return this.finished;
  }
}

/**
 * A pass-through that hashes what flows through it; usable with
 * `stream.pipeline` and as an upload body. Chunks are forwarded untouched
 * (no copy). `result` is available once the stream has ended ('end' on the
 * readable side, or after `pipeline` resolves).
 */
export class HashingStream extends Transform {
  private readonly hasher: ObjectHasher;
  private done: HashResult | undefined;

  constructor(options: HashOptions = {}, streamOptions: TransformOptions = {}) {
    super({ ...streamOptions, objectMode: false, decodeStrings: true });
    this.hasher = new ObjectHasher(options);
  }

  /** Bytes seen so far, also while still flowing. */
  get bytes(): number {
    return this.hasher.bytes;
  }

  /** Throws if read before the input has ended, so a partial hash is never mistaken for the whole. */
  get result(): HashResult {
    if (!this.done) {
      throw new FerryError('INTERNAL', 'HashingStream.result read before the stream ended');
    }
    return this.done;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.hasher.update(chunk);
    } catch (err) {
      // An onProgress that throws (e.g. a cancelled job) aborts the copy.
      callback(err as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.done = this.hasher.digest();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }
}

/** Hashes a whole buffer in one call. */
export function hashBuffer(buf: Uint8Array, options: HashOptions = {}): HashResult {
  return new ObjectHasher(options).update(buf).digest();
}
