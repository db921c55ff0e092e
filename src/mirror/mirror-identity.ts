import { createHash } from 'node:crypto';
import type { StoreSpec } from '../stores/index.js';

/** Response header with which a Ferry mirror tells which source and destination it serves. */
export const MIRROR_HEADER = 'x-ferry-mirror';

/**
 * A short, secret-free fingerprint of a (source, destination) pair: sent on
 * every answer of a mirror, so `ferry switchover` can tell that the mirror at
 * a URL serves its job's two locations without being able to sign in.
 */
export function mirrorIdentity(src: StoreSpec, dst: StoreSpec): string {
  return createHash('sha256').update(`${where(src)}\n${where(dst)}`).digest('hex').slice(0, 16);
}

function where(spec: StoreSpec): string {
  switch (spec.type) {
    case 's3':
      return `s3|${spec.endpoint.replace(/\/+$/, '')}|${spec.bucket}|${spec.prefix}`;
    case 'local':
      return `local|${spec.path.replace(/\/+$/, '')}|${spec.prefix}`;
    case 'http-list':
      return `http-list|${spec.list}|${spec.prefix}`;
  }
}
