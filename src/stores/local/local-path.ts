import { isAbsolute, join, relative, sep } from 'node:path';
import { FerryError, assertSafeLocalKey } from '../../core/index.js';
import { isTempName } from './temp-name.js';

/**
 * The file path for a key (already joined with the store's prefix). Refuses
 * keys that could leave the root or that listings would hide, then checks the
 * joined path lexically once more, in case a rule above ever misses a case.
 *
 * Symlinked directories inside the root are followed as the OS does; the
 * root's owner controls those, not the keys.
 */
export function keyPath(root: string, fullKey: string): string {
  assertSafeLocalKey(fullKey);
  const bare = fullKey.endsWith('/') ? fullKey.slice(0, -1) : fullKey;
  if (bare.split('/').some(isTempName)) {
    throw new FerryError('INVALID_KEY', `key ${JSON.stringify(fullKey)} uses Ferry's temporary-file name prefix`, { field: 'key' });
  }
  const path = join(root, bare);
  const rel = relative(root, path);
  // `..` as a whole segment only: `..data/x` is a file below the root.
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new FerryError('INVALID_KEY', `key ${JSON.stringify(fullKey)} resolves outside the root`, { field: 'key' });
  }
  return path;
}
