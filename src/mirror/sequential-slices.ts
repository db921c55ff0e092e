import { Readable } from 'node:stream';

interface Slice {
  out: Readable;
  skip: number;
  left: number;
}

/**
 * Cuts one stream into consecutive pieces, each its own Readable: the parts
 * of a multipart fill taken in order from a single source read, or one byte
 * range of it. A piece asks for the next one only once it ended; abandoning
 * a piece midway (its consumer destroyed it) stops the whole source.
 */
export class SequentialSlices {
  private current: Slice | undefined;
  private carry: Buffer | undefined;
  private ended = false;
  private failure: Error | undefined;

  constructor(private readonly source: Readable) {
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.once('end', () => {
      this.ended = true;
      const cur = this.current;
      if (cur && cur.left > 0) cur.out.destroy(new Error(`the source ended ${cur.left} bytes early`));
    });
    source.once('error', (err) => {
      this.failure = err;
      this.current?.out.destroy(err);
    });
    source.pause();
  }

  /** The next `length` bytes, after dropping `skip` bytes. */
  next(length: number, skip = 0): Readable {
    if (this.current) throw new Error('the previous slice has not ended');
    const slice: Slice = {
      skip,
      left: length,
      out: new Readable({
        read: () => {
          if (this.current === slice && !this.ended) this.source.resume();
        },
        destroy: (err, callback) => {
          if (this.current === slice) {
            this.current = undefined;
            if (slice.left > 0) this.source.destroy();
          }
          callback(err);
        },
      }),
    };
    this.current = slice;
    if (this.failure) {
      slice.out.destroy(this.failure);
    } else if (length === 0 && skip === 0) {
      this.finish(slice);
    } else if (this.carry) {
      const carried = this.carry;
      this.carry = undefined;
      this.onData(carried);
    } else if (this.ended) {
      slice.out.destroy(new Error(`the source ended ${length} bytes early`));
    }
    return slice.out;
  }

  private onData(chunk: Buffer): void {
    const cur = this.current;
    if (!cur) {
      this.carry = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
      this.source.pause();
      return;
    }
    let piece = chunk;
    if (cur.skip > 0) {
      const dropped = Math.min(cur.skip, piece.length);
      cur.skip -= dropped;
      piece = piece.subarray(dropped);
      if (piece.length === 0) return;
    }
    let rest: Buffer | undefined;
    if (piece.length > cur.left) {
      rest = piece.subarray(cur.left);
      piece = piece.subarray(0, cur.left);
    }
    cur.left -= piece.length;
    const more = cur.out.push(piece);
    if (cur.left === 0) {
      if (rest) this.carry = rest;
      this.source.pause();
      this.finish(cur);
      return;
    }
    if (!more) this.source.pause();
  }

  private finish(slice: Slice): void {
    this.current = undefined;
    slice.out.push(null);
  }
}
