import type { ObjectInfo } from '../../core/index.js';
import type { VersionTag } from '../../stores/index.js';

/** The version of a source object the listing saw; every read is pinned to it. */
export function readVersion(obj: ObjectInfo): VersionTag {
  return { etag: obj.etag, size: obj.size, mtimeMs: obj.mtimeMs };
}
