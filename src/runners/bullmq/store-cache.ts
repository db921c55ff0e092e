import { createHash } from 'node:crypto';
import type { ObjectStore, StoreSpec } from '../../stores/index.js';
import type { SealedSpec } from './spec-sealing.js';

export interface OpenedPair {
  src: ObjectStore;
  dst: ObjectStore;
}

interface Entry {
  pair: Promise<OpenedPair>;
  users: number;
  lastUsed: number;
}

/**
 * A worker's opened stores, kept between tasks of the same run (an S3
 * client keeps its connections warm) and closed once no task has used them
 * for a while. Keyed by the sealed specs, so a changed address is a new pair.
 */
export class StoreCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly open: (spec: StoreSpec, role: 'source' | 'destination') => Promise<ObjectStore>,
    /** How long an unused pair stays open. @defaultValue 60000 */
    private readonly idleMs = 60_000,
  ) {}

  /** Opens (or reuses) the pair; call `release` when the task is done with it. */
  async acquire(sealed: { job: string; runToken: number; src: SealedSpec; dst: SealedSpec }, unseal: () => { src: StoreSpec; dst: StoreSpec }): Promise<{ stores: OpenedPair; release: () => void }> {
    this.sweep();
    const id = createHash('sha256').update(JSON.stringify([sealed.job, sealed.runToken, sealed.src, sealed.dst])).digest('hex');
    let entry = this.entries.get(id);
    if (!entry) {
      const pair = (async () => {
        const specs = unseal();
        const src = await this.open(specs.src, 'source');
        try {
          return { src, dst: await this.open(specs.dst, 'destination') };
        } catch (err) {
          await src.close();
          throw err;
        }
      })();
      entry = { pair, users: 0, lastUsed: Date.now() };
      this.entries.set(id, entry);
      // A pair that failed to open is not kept: the next task tries again.
      pair.catch(() => this.entries.delete(id));
    }
    const used = entry;
    used.users++;
    try {
      const stores = await used.pair;
      return {
        stores,
        release: () => {
          used.users--;
          used.lastUsed = Date.now();
        },
      };
    } catch (err) {
      used.users--;
      throw err;
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.pair.then((p) => Promise.all([p.src.close(), p.dst.close()]), () => undefined)));
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (entry.users > 0 || now - entry.lastUsed < this.idleMs) continue;
      this.entries.delete(id);
      void entry.pair.then((p) => Promise.all([p.src.close(), p.dst.close()]), () => undefined);
    }
  }
}
