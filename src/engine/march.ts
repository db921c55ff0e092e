import { compareKeys, FerryError, type ObjectInfo } from '../core/index.js';

/** One source object and its destination counterpart, if the destination has that key. */
export interface MarchPair {
  src: ObjectInfo;
  dst: ObjectInfo | undefined;
}

/**
 * Walks the source and destination listings side by side (a merge-join, as
 * rclone's fs/march), so deciding what to copy costs no request per object:
 * only the two listings. Both must arrive in byte-wise key order; an
 * out-of-order listing would silently recopy or skip objects, so it stops
 * the run instead. Destination-only keys are ignored: Ferry never deletes.
 */
export async function* march(source: AsyncIterable<ObjectInfo>, destination: AsyncIterable<ObjectInfo>): AsyncGenerator<MarchPair> {
  const dstIter = destination[Symbol.asyncIterator]();
  let lastSrc: string | undefined;
  let lastDst: string | undefined;

  /** The next destination entry, or undefined once the listing ends. */
  const nextDst = async (): Promise<ObjectInfo | undefined> => {
    const next = await dstIter.next();
    if (next.done) return undefined;
    if (lastDst !== undefined && compareKeys(lastDst, next.value.key) >= 0) {
      throw new FerryError('INTERNAL', `destination listing out of order at ${JSON.stringify(next.value.key)}`, { fatal: true });
    }
    lastDst = next.value.key;
    return next.value;
  };

  try {
    let dst = await nextDst();
    for await (const src of source) {
      if (lastSrc !== undefined && compareKeys(lastSrc, src.key) >= 0) {
        throw new FerryError('INTERNAL', `source listing out of order at ${JSON.stringify(src.key)}`, { fatal: true });
      }
      lastSrc = src.key;
      for (; dst !== undefined && compareKeys(dst.key, src.key) < 0; ) dst = await nextDst();
      yield { src, dst: dst !== undefined && dst.key === src.key ? dst : undefined };
    }
  } finally {
    await dstIter.return?.();
  }
}
