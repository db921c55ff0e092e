import { randomBytes } from 'node:crypto';

/**
 * Ferry writes every file under a temporary name first and renames it into
 * place (as rclone and FlyDrive do), so a reader never sees half a file.
 * Listings hide these names: a run that crashed mid-write must not offer its
 * leftovers as objects.
 */
export const TEMP_PREFIX = '.ferry-tmp-';

export function tempName(): string {
  return TEMP_PREFIX + randomBytes(8).toString('hex');
}

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}
