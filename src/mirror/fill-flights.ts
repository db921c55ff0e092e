import type { Readable } from 'node:stream';
import { describeError, isFerryError, type ObjectHead, type ObjectInfo } from '../core/index.js';
import type { CopyOptions } from '../engine/index.js';
import { transferObject, type TransferContext } from '../engine/transfer/index.js';
import { checksumTraits, type ObjectStore, type WritableStore } from '../stores/index.js';
import { Broadcast, type ReplayBudget } from './broadcast.js';
import { InFlightSource } from './in-flight-source.js';
import { S3Fault } from './s3-fault.js';
import { SequentialSlices } from './sequential-slices.js';

export interface FillDeps {
  src: ObjectStore;
  dst: WritableStore;
  /** Source storage classes that cannot be read without a restore. */
  archiveClasses: ReadonlySet<string>;
  /** How the engine writes a fill (multipart threshold, part size); the mirror forces one read in order. */
  copyOptions: CopyOptions;
  /** Bytes of one object kept for clients that join its fill late. */
  keepPerObject: number;
  budget: ReplayBudget;
  log: (line: string) => void;
  /** Deletes what a failed fill may have left at the destination (S3 destinations). */
  removeFromDestination?: ((key: string) => Promise<void>) | undefined;
}

/** How long a finished fill sends late misses (whose destination read raced it) back to the destination. */
const RECENT_MS = 60_000;
const RECENT_MAX = 10_000;

/**
 * One source read of an object that is missing at the destination: the
 * body goes to every client that asked for it meanwhile and, through the
 * copy engine, to the destination.
 */
export class Flight {
  readonly ready: Promise<ObjectHead>;
  /** True once the destination holds a verified copy; never rejects. */
  readonly done: Promise<boolean>;
  readonly abort = new AbortController();
  private broadcast: Broadcast | undefined;
  private markReady!: (head: ObjectHead) => void;
  private failReady!: (err: unknown) => void;

  constructor(
    readonly key: string,
    private readonly deps: FillDeps,
    private readonly generation: () => number,
  ) {
    this.ready = new Promise<ObjectHead>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => undefined);
    this.done = this.run();
  }

  /** A reader of the whole body from its first byte, or undefined if it can no longer be replayed. */
  subscribe(): Readable | undefined {
    return this.broadcast?.subscribe();
  }

  private async run(): Promise<boolean> {
    const { deps, key } = this;
    const started = Date.now();
    const generation = this.generation();
    let got;
    try {
      got = await deps.src.get(key);
    } catch (err) {
      this.failReady(sourceReadFault(err));
      return false;
    }
    const head = got.head;
    if (head.storageClass && deps.archiveClasses.has(head.storageClass)) {
      got.body.destroy();
      this.failReady(invalidObjectState(head.storageClass));
      return false;
    }
    const broadcast = new Broadcast(got.body, deps.keepPerObject, deps.budget);
    this.broadcast = broadcast;
    const fillReader = broadcast.subscribe() as Readable;
    const source = new InFlightSource(deps.src, head, new SequentialSlices(fillReader));
    this.markReady(head);
    // Clients waiting on `ready` subscribe first (microtasks), then bytes flow.
    setImmediate(() => broadcast.start());

    const obj: ObjectInfo = { key, size: head.size, etag: head.etag, mtimeMs: head.storedMs ?? head.mtimeMs, storedMs: head.storedMs, storageClass: head.storageClass };
    const ctx: TransferContext = {
      src: source,
      dst: deps.dst,
      srcTraits: checksumTraits(deps.src),
      dstTraits: checksumTraits(deps.dst),
      options: deps.copyOptions,
      onBytes: () => undefined,
      onRetry: () => undefined,
      signal: this.abort.signal,
    };
    try {
      const outcome = await transferObject(ctx, obj);
      deps.log(`fill ${JSON.stringify(key)} filled ${head.size} bytes in ${Date.now() - started} ms (${outcome.method}; verified ${outcome.verified.join(',')})`);
      return true;
    } catch (err) {
      fillReader.destroy();
      const why = this.abort.signal.aborted ? 'cancelled by a write of the same key' : describeError(err);
      deps.log(`fill ${JSON.stringify(key)} failed after ${Date.now() - started} ms: ${why} (clients still get the source's bytes)`);
      await this.removeBadCopy(err, started, generation);
      return false;
    } finally {
      broadcast.release();
    }
  }

  /**
   * A check that fails after the destination accepted the bytes (an ETag
   * that does not match what was read) leaves an object that must not stay;
   * one a client wrote through the mirror since is left alone.
   */
  private async removeBadCopy(err: unknown, started: number, generation: number): Promise<void> {
    const { deps, key } = this;
    if (!isFerryError(err) || (err.code !== 'VERIFY_FAILED' && err.code !== 'SOURCE_CHANGED')) return;
    try {
      const there = await deps.dst.head(key);
      if (this.generation() !== generation || (there.storedMs ?? 0) < started - 2000) return;
      if (!deps.removeFromDestination) {
        deps.log(`fill ${JSON.stringify(key)}: the destination may hold an unverified copy; remove it by hand`);
        return;
      }
      await deps.removeFromDestination(key);
      deps.log(`fill ${JSON.stringify(key)}: removed the unverified copy from the destination`);
    } catch (e) {
      if (!(isFerryError(e) && e.code === 'NOT_FOUND')) deps.log(`fill ${JSON.stringify(key)}: could not check or remove an unverified copy: ${describeError(e)}`);
    }
  }
}

/**
 * Single flight per key: concurrent misses of one object share one source
 * read and one fill. Writes passing through the mirror take precedence: a
 * write of a key cancels its fill (which then leaves nothing behind) and no
 * fill starts while the write is under way, so an old source version never
 * lands over what a client just wrote.
 */
export class FillFlights {
  private readonly flights = new Map<string, Flight>();
  private readonly recent = new Map<string, number>();
  private readonly writing = new Map<string, number>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly deps: FillDeps) {}

  /** The fill in flight for `key`, starting one if there is none. */
  join(key: string): { flight: Flight; created: boolean } {
    const existing = this.flights.get(key);
    if (existing) return { flight: existing, created: false };
    const flight = new Flight(key, this.deps, () => this.generations.get(key) ?? 0);
    this.flights.set(key, flight);
    void flight.done.then((filled) => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
      if (filled && !flight.abort.signal.aborted) this.remember(key);
    });
    return { flight, created: true };
  }

  /** Whether a fill of `key` finished moments ago (a destination read that missed raced it). */
  wasJustFilled(key: string): boolean {
    const at = this.recent.get(key);
    if (at === undefined) return false;
    if (Date.now() - at > RECENT_MS) {
      this.recent.delete(key);
      return false;
    }
    return true;
  }

  /** Whether a write of `key` is passing through now (no fill may start). */
  isWriting(key: string): boolean {
    return (this.writing.get(key) ?? 0) > 0;
  }

  /**
   * Marks a write of `key` as under way: its fill, if any, is cancelled and
   * waited for. Call the returned function once the write is over.
   */
  async beginWrite(key: string): Promise<() => void> {
    this.writing.set(key, (this.writing.get(key) ?? 0) + 1);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    this.recent.delete(key);
    const flight = this.flights.get(key);
    if (flight) {
      flight.abort.abort();
      await flight.done;
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.writing.get(key) ?? 1) - 1;
      if (n > 0) this.writing.set(key, n);
      else {
        this.writing.delete(key);
        if (!this.flights.has(key)) this.generations.delete(key);
      }
    };
  }

  get inFlight(): number {
    return this.flights.size;
  }

  /** Settles once every fill in flight now has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.flights.values()].map((f) => f.done));
  }

  private remember(key: string): void {
    this.recent.delete(key);
    this.recent.set(key, Date.now());
    if (this.recent.size > RECENT_MAX) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}

/** A source GET that failed: a missing object is the client's 404; an archived one S3's InvalidObjectState. */
function sourceReadFault(err: unknown): unknown {
  const name = (isFerryError(err) ? (err.cause as { name?: string } | undefined)?.name : undefined) ?? '';
  if (name === 'InvalidObjectState') return invalidObjectState(undefined);
  return err;
}

export function invalidObjectState(storageClass: string | undefined): S3Fault {
  return new S3Fault('InvalidObjectState', 403, 'The operation is not valid for the object\'s storage class', storageClass ? { StorageClass: storageClass } : {});
}
