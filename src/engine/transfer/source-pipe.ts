import type { Readable } from 'node:stream';
import { describeError, FerryError, isFerryError } from '../../core/index.js';
import { HashingStream } from '../hashing/index.js';
import { ThrottleStream } from '../throttle/index.js';
import type { TransferContext } from './transfer-context.js';

/** A source body on its way to an upload: throttled if the run is, hashed always. */
export interface SourcePipe {
  /** What the upload reads; its `result` has the bytes, MD5 and CRC64 once it ended. */
  hasher: HashingStream;
  /** The source's own failure, if any: the real cause when the upload fails after it. */
  sourceError(): FerryError | undefined;
  /** Stops reading the source (the upload failed). */
  destroy(): void;
}

/**
 * Connects a source body to the hashing stream an upload consumes, through a
 * throttle when the run has a byte limit (only then is the extra stream
 * paid for). A failing source fails the hasher, so the upload aborts at once
 * instead of waiting for bytes that will never come.
 */
export function pipeSource(ctx: TransferContext, body: Readable, expectedBytes: number, onProgress: (n: number) => void): SourcePipe {
  const hasher = new HashingStream({ crc64: ctx.dstTraits.returnsCrc64, expectedBytes, onProgress });
  let failure: FerryError | undefined;
  const throttle = ctx.throttle?.bytes ? new ThrottleStream(ctx.throttle.bytes, { signal: ctx.signal }) : undefined;
  body.on('error', (err) => {
    failure = readFailure(err);
    throttle?.destroy();
    hasher.destroy(err);
  });
  if (throttle) {
    throttle.on('error', (err) => {
      failure = readFailure(err);
      hasher.destroy(err);
    });
    body.pipe(throttle).pipe(hasher);
  } else {
    body.pipe(hasher);
  }
  return {
    hasher,
    sourceError: () => failure,
    destroy: () => {
      body.destroy();
      throttle?.destroy();
    },
  };
}

/**
 * A source body's failure as the retry logic sees it. Stores hand out their
 * bodies as they come off the wire, so a connection reset or cut short
 * mid-body arrives as node's bare `aborted` / ECONNRESET, which is as
 * retryable as the same failure before the first byte.
 */
function readFailure(err: unknown): FerryError {
  if (isFerryError(err)) return err;
  // A bug in a stream of ours must surface, not be retried.
  if (err instanceof TypeError || err instanceof RangeError) return new FerryError('INTERNAL', `reading the source: ${describeError(err)}`, { cause: err });
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' && !describeError(err).includes(code) ? ` (${code})` : '';
  return new FerryError('NETWORK', `reading the source failed: ${describeError(err)}${detail}`, { retryable: true, cause: err });
}
