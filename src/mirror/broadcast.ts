import { Readable } from 'node:stream';

/** Bytes of source bodies kept for late readers, shared by every object in flight. */
export interface ReplayBudget {
  used: number;
  readonly limit: number;
}

/** How far a reader may fall behind the fastest before the source waits for it. */
const READER_BUFFER = 512 * 1024;

/**
 * One source body read once and handed to any number of readers (the fill
 * and every client asking for the object meanwhile). The slowest reader sets
 * the pace: the source pauses while any reader's buffer is full, so memory
 * stays bounded. The first bytes are kept (up to a limit per object and a
 * budget for all) so a reader that arrives late still gets the whole body;
 * past that, `subscribe` says no and the caller waits for the fill instead.
 * A reader that leaves (a client hanging up, a failed fill) no longer holds
 * the others up; when the last one leaves, the source read stops.
 */
export class Broadcast {
  private readonly readers = new Set<BroadcastReader>();
  private kept: Buffer[] | undefined = [];
  private keptBytes = 0;
  private ended = false;
  private failure: Error | undefined;
  private started = false;

  constructor(
    private readonly source: Readable,
    private readonly keepLimit: number,
    private readonly budget: ReplayBudget,
  ) {
    // Before start() nobody listens: an early failure must still be caught.
    source.once('error', (err) => this.fail(err));
  }

  /** Starts reading; readers subscribed before this see every byte either way. */
  start(): void {
    if (this.started || this.failure) return;
    this.started = true;
    this.source.on('data', (chunk: Buffer) => this.onData(chunk));
    this.source.once('end', () => this.onEnd());
    this.source.once('close', () => {
      if (!this.ended) this.fail(new Error('the source body closed before its end'));
    });
  }

  /** A reader of the whole body from its first byte, or undefined when those bytes are gone. */
  subscribe(): Readable | undefined {
    if (this.failure || this.kept === undefined) return undefined;
    const reader = new BroadcastReader(this);
    for (const chunk of this.kept) reader.push(chunk);
    if (this.ended) reader.push(null);
    else this.readers.add(reader);
    return reader;
  }

  /** Stops keeping bytes for late readers and gives their share of the budget back. */
  release(): void {
    if (this.kept === undefined) return;
    this.budget.used -= this.keptBytes;
    this.kept = undefined;
    this.keptBytes = 0;
  }

  /**
   * A reader wants more: resume the source once no other reader's buffer is
   * full. The asking reader itself is not checked: node asks before it hands
   * out the bytes it holds, so it may still look full, and it will not ask
   * again until it is given something.
   */
  pull(asking?: BroadcastReader): void {
    if (!this.started || this.ended || this.failure || !this.source.isPaused()) return;
    for (const r of this.readers) if (r !== asking && r.readableLength >= r.readableHighWaterMark) return;
    this.source.resume();
  }

  /** A reader is gone (ended, or destroyed by its consumer). */
  leave(reader: BroadcastReader): void {
    if (!this.readers.delete(reader)) return;
    if (this.readers.size === 0 && !this.ended && !this.failure) {
      // Nobody is left to read the rest, and a newcomer could not be given the bytes already gone.
      this.fail(new Error('every reader of the source body left'));
      this.source.destroy();
      return;
    }
    this.pull();
  }

  private onData(chunk: Buffer): void {
    if (this.kept !== undefined) {
      if (this.keptBytes + chunk.length > this.keepLimit || this.budget.used + chunk.length > this.budget.limit) {
        this.release();
      } else {
        this.kept.push(chunk);
        this.keptBytes += chunk.length;
        this.budget.used += chunk.length;
      }
    }
    let full = false;
    for (const r of this.readers) if (!r.push(chunk)) full = true;
    if (full) this.source.pause();
  }

  private onEnd(): void {
    this.ended = true;
    for (const r of this.readers) r.push(null);
    this.readers.clear();
  }

  private fail(err: Error): void {
    if (this.failure || this.ended) return;
    this.failure = err;
    this.release();
    const readers = [...this.readers];
    this.readers.clear();
    for (const r of readers) r.destroy(err);
  }
}

class BroadcastReader extends Readable {
  constructor(private readonly broadcast: Broadcast) {
    super({ highWaterMark: READER_BUFFER });
    // Consumers attach their own handlers; this keeps a reader nobody watches any more from crashing the process.
    this.on('error', () => undefined);
  }

  override _read(): void {
    this.broadcast.pull(this);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.broadcast.leave(this);
    callback(err);
  }
}
