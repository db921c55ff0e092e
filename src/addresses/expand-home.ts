import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { usageError } from '../core/index.js';

/**
 * `~` and `~/x` become the user's home; the shell did not expand them when
 * the path came from a quoted argument or a config file. `~user` is not
 * supported, so it is refused rather than read as a relative path.
 */
export function absolutePath(path: string, field: string, cwd: string = process.cwd()): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  if (path.startsWith('~')) throw usageError(field, `only ~ and ~/ are expanded, not ${path.split('/')[0]}`);
  return isAbsolute(path) ? resolve(path) : resolve(cwd, path);
}
