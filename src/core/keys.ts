import { FerryError } from './errors.js';

/** Joins a location prefix and a relative key; the prefix is used as given (byte-exact). */
export function joinKey(prefix: string, key: string): string {
  return prefix + key;
}

/**
 * Normalises a user-given prefix: `''` stays empty, anything else is kept
 * byte-exact, since `docs` and `docs/` select different objects on S3.
 */
export function normalizePrefix(prefix: string | undefined): string {
  return prefix ?? '';
}

/** Compares two keys by their UTF-8 bytes: the order S3 lists in. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  // Fast path: UTF-16 order equals UTF-8 byte order unless surrogates are involved.
  if (!hasSurrogate(a) && !hasSurrogate(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** S3 limits a key to 1,024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/**
 * Refuses keys that cannot be a file below a root directory: absolute, with
 * `..` or `.` segments, NUL bytes, or empty segments other than a trailing
 * `/` (a "directory marker" object).
 */
export function assertSafeLocalKey(key: string): void {
  const bad = (why: string): never => {
    throw new FerryError('INVALID_KEY', `key ${JSON.stringify(key)} ${why}`, { field: 'key' });
  };
  if (key.length === 0) bad('is empty');
  if (key.includes('\0')) bad('contains a NUL byte');
  if (key.startsWith('/') || /^[A-Za-z]:[\\/]/.test(key)) bad('is absolute');
  if (key.includes('\\')) bad('contains a backslash');
  const segments = key.endsWith('/') ? key.slice(0, -1).split('/') : key.split('/');
  for (const seg of segments) {
    if (seg === '..') bad('escapes the root with ..');
    if (seg === '.') bad('contains a . segment');
    if (seg === '') bad('contains an empty path segment');
  }
}

/**
 * A start-after that skips the whole subtree of `prefix`: U+10FFFF is the
 * largest code point, so `prefix` + it sorts after every key that starts
 * with `prefix` (in UTF-8 byte order, as S3 compares start-after).
 */
export function afterPrefix(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
