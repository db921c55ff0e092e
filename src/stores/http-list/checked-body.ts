import { Readable } from 'node:stream';
import { FerryError } from '../../core/index.js';
import { networkError } from './http-errors.js';

export interface CheckedBodyOptions {
  /** Bytes to drop first (a server that ignored Range sends from byte 0). */
  skip: number;
  /** Bytes to deliver. */
  length: number;
  /**
   * The source goes on after the wanted bytes (a range cut from a whole
   * body): stop reading there. Otherwise the source is read to its end, which
   * keeps the keep-alive connection usable.
   */
  trailing: boolean;
  /** Names the request in messages. */
  what: string;
}

/**
 * Passes on exactly `length` bytes of a response body. A connection that
 * closes early fails the stream with a retryable NETWORK error rather than
 * ending it quietly short, and socket errors become FerryErrors.
 */
export function checkedBody(source: Readable, { skip, length, trailing, what }: CheckedBodyOptions): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    let toSkip = skip;
    let left = length;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        let part = chunk;
        if (toSkip > 0) {
          if (part.length <= toSkip) {
            toSkip -= part.length;
            continue;
          }
          part = part.subarray(toSkip);
          toSkip = 0;
        }
        if (left === 0) continue;
        if (part.length > left) part = part.subarray(0, left);
        left -= part.length;
        yield part;
        // Leaving the loop destroys the source: the rest is not wanted.
        if (left === 0 && trailing) return;
      }
    } catch (err) {
      throw networkError(err, what);
    }
    if (left > 0) {
      throw new FerryError('NETWORK', `${what}: connection closed after ${length - left} of ${length} bytes`, { retryable: true });
    }
  }
  const body = Readable.from(bytes(), { objectMode: false });
  // A consumer that gives up must not leave the socket waiting for data.
  // (Destroying a response that already ended keeps its socket.)
  body.once('close', () => source.destroy());
  return body;
}
