import { Transform, type Readable } from 'node:stream';
import { FerryError, isFerryError } from '../../core/index.js';

export interface GuardedBody {
  /**
   * What to send instead of the caller's stream. It fails (emits 'error')
   * as soon as the source does, or when it turns out shorter or longer than
   * announced; the HTTP client aborts the request on that error.
   */
  body: Readable;
  /** The caller's signal, if any: cancels the request. */
  signal: AbortSignal | undefined;
  /** Why the body failed, if it did: the error to report rather than the request's own. */
  failure(): FerryError | undefined;
  /** Stops the body (after the request failed for another reason). */
  destroy(): void;
  /** Nothing stays attached to the caller's signal; kept for callers that settle explicitly. */
  dispose(): void;
}

/**
 * Puts a request body on a leash. A stream body is sent with `pipe()`, which
 * does not pass a source's error on: a body that fails midway (a source
 * connection dropping) would leave the request waiting for bytes that never
 * come until the socket's idle timeout, and its error unhandled; a body that
 * ends short of Content-Length hangs the same way. Here the bytes are
 * counted, a short or long body fails, and any failure of the source (an
 * error, or closing before its end) fails the guarded body at once, which
 * aborts the request, so the server discards the partial upload.
 *
 * (Plain `pipe` plus listeners rather than `stream.pipeline`: this runs once
 * per object, and pipeline's bookkeeping costs an AbortController and a
 * DOMException per call.)
 */
export function guardBody(source: Readable, size: number, label: string, signal?: AbortSignal): GuardedBody {
  let failure: FerryError | undefined;
  let seen = 0;
  let sourceEnded = false;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > size) callback(new FerryError('VERIFY_FAILED', `${label}: body is longer than the ${size} bytes announced`, { retryable: true }));
      else callback(null, chunk);
    },
    flush(callback) {
      callback(seen === size ? null : new FerryError('VERIFY_FAILED', `${label}: body ended after ${seen} of ${size} bytes`, { retryable: true }));
    },
  });
  const fail = (err: Error): void => {
    if (failure !== undefined) return;
    failure = isFerryError(err) ? err : new FerryError('NETWORK', `${label}: body failed: ${err.message}`, { retryable: true, cause: err });
    source.unpipe(counter);
    if (!source.destroyed) source.destroy();
    if (!counter.destroyed) counter.destroy(failure);
  };
  source.on('error', fail);
  source.once('end', () => {
    sourceEnded = true;
  });
  source.once('close', () => {
    if (!sourceEnded && !counter.destroyed) fail(new Error('premature close: the source stream closed before its end'));
  });
  // The counter's own verdicts (too long, too short); after fail() this is the failure itself.
  counter.on('error', fail);
  source.pipe(counter);
  return {
    body: counter,
    signal,
    failure: () => failure,
    destroy: () => {
      source.destroy();
      counter.destroy();
    },
    dispose: () => undefined,
  };
}

/**
 * A small body read whole, under the same rules as `guardBody`: a source that
 * fails or closes early, or turns out shorter or longer than `size`, rejects
 * with the same FerryErrors; the caller's signal rejects with an AbortError.
 * Nothing is sent until all of it is here, so a failed body never reaches
 * the server.
 */
export function readGuarded(source: Readable, size: number, label: string, signal?: AbortSignal): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    let done = false;
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      source.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) {
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, seen));
        return;
      }
      if (!source.destroyed) source.destroy();
      reject(err);
    };
    const fail = (err: Error): void =>
      finish(isFerryError(err) ? err : new FerryError('NETWORK', `${label}: body failed: ${err.message}`, { retryable: true, cause: err }));
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      seen += b.length;
      if (seen > size) finish(new FerryError('VERIFY_FAILED', `${label}: body is longer than the ${size} bytes announced`, { retryable: true }));
      else chunks.push(b);
    };
    const onAbort = (): void => finish(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    source.on('data', onData);
    source.on('error', fail);
    source.once('end', () => {
      finish(seen === size ? undefined : new FerryError('VERIFY_FAILED', `${label}: body ended after ${seen} of ${size} bytes`, { retryable: true }));
    });
    source.once('close', () => {
      if (!done) fail(new Error('premature close: the source stream closed before its end'));
    });
  });
}
