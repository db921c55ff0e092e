import { Transform, pipeline, type Readable } from 'node:stream';
import { FerryError, isFerryError } from '../../core/index.js';

export interface GuardedBody {
  /** What to hand to the SDK instead of the caller's stream. */
  body: Readable;
  /** Aborts the request when the body fails (and when the caller's signal does). */
  signal: AbortSignal;
  /** Why the body failed, if it did: the error to report rather than the SDK's abort. */
  failure(): FerryError | undefined;
  /** Stops the body (after the request failed for another reason). */
  destroy(): void;
  /** Stops listening to the caller's signal; call once the request settled. */
  dispose(): void;
}

/**
 * Puts a request body on a leash. The SDK sends a stream body with `pipe()`,
 * which does not pass a source's error on: a body that fails midway (a source
 * connection dropping) would leave the request waiting for bytes that never
 * come until the socket's idle timeout, and its error unhandled; a body that
 * ends short of Content-Length hangs the same way. Here the bytes are
 * counted, a short or long body fails, and any failure aborts the request at
 * once, so the server discards the partial upload.
 */
export function guardBody(source: Readable, size: number, label: string, signal?: AbortSignal): GuardedBody {
  const abort = new AbortController();
  // Forwarded by hand rather than with AbortSignal.any, so nothing stays attached to a long-lived run signal.
  const onAbort = (): void => abort.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let failure: FerryError | undefined;
  let seen = 0;
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
  pipeline(source, counter, (err) => {
    if (!err || failure !== undefined) return;
    failure = isFerryError(err)
      ? err
      : new FerryError('NETWORK', `${label}: body failed: ${err.message}`, { retryable: true, cause: err });
    abort.abort(failure);
  });
  return {
    body: counter,
    signal: abort.signal,
    failure: () => failure,
    destroy: () => {
      source.destroy();
      counter.destroy();
    },
    dispose: () => signal?.removeEventListener('abort', onAbort),
  };
}
