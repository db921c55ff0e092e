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
  let dst: ObjectInfo | undefined;
  let dstDone = false;
  let lastSrc: string | undefined;
  let lastDst: string | undefined;

  const advanceDst = async (): Promise<void> => {
    const next = await dstIter.next();
    if (next.done) {
      dstDone = true;
      dst = undefined;
      return;
    }
    if (lastDst !== undefined && compareKeys(lastDst, next.value.key) >= 0) {
      throw new FerryError('INTERNAL', `destination listing out of order at ${JSON.stringify(next.value.key)}`, { fatal: true });
    }
    lastDst = next.value.key;
    dst = next.value;
  };

  try {
    await advanceDst();
    for await (const src of source) {
      if (lastSrc !== undefined && compareKeys(lastSrc, src.key) >= 0) {
        throw new FerryError('INTERNAL', `source listing out of order at ${JSON.stringify(src.key)}`, { fatal: true });
      }
      lastSrc = src.key;
      while (!dstDone && dst && compareKeys(dst.key, src.key) < 0) await advanceDst();
      const match = !dstDone && dst !== undefined && dst.key === src.key ? dst : undefined;
      yield { src, dst: match };
    }
  } finally {
    await dstIter.return?.();
  }
}
