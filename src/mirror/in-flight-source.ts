import { FerryError, type ObjectHead, type ObjectInfo } from '../core/index.js';
import type { GetOptions, GetResult, ObjectStore } from '../stores/index.js';
import type { SequentialSlices } from './sequential-slices.js';

/**
 * The source as the copy engine sees it during a fill: one object whose
 * body is already being read (and streamed to clients). The engine's
 * streamed copy reads it whole, its multipart copy part by part in order
 * (part concurrency 1); any other read, such as a retry from the start,
 * cannot be served from a body read once and fails, so the fill fails
 * cleanly instead of reading the source a second time.
 */
export class InFlightSource implements ObjectStore {
  readonly kind: string;
  readonly description: string;
  private offset = 0;

  constructor(
    source: ObjectStore,
    private readonly object: ObjectHead,
    private readonly slices: SequentialSlices,
  ) {
    this.kind = source.kind;
    this.description = source.description;
  }

  // eslint-disable-next-line require-yield
  async *list(): AsyncIterable<ObjectInfo> {
    throw new FerryError('UNSUPPORTED', 'an object in flight cannot be listed');
  }

  async head(key: string): Promise<ObjectHead> {
    this.sameKey(key);
    return this.object;
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    this.sameKey(key);
    const start = options.range?.start ?? 0;
    const end = Math.min(options.range?.end ?? this.object.size - 1, this.object.size - 1);
    if (start !== this.offset) {
      throw new FerryError('UNSUPPORTED', `${JSON.stringify(key)}: the body in flight is at byte ${this.offset}, not ${start} (it is read once, in order)`);
    }
    const length = Math.max(0, end - start + 1);
    this.offset = start + length;
    return { body: this.slices.next(length), length, head: this.object };
  }

  async close(): Promise<void> {}

  private sameKey(key: string): void {
    if (key !== this.object.key) throw new FerryError('INTERNAL', `in-flight source holds ${JSON.stringify(this.object.key)}, not ${JSON.stringify(key)}`);
  }
}
