import type { Stats } from 'node:fs';

/**
 * What identifies one version of a local file: size and mtime, since there is
 * no ETag. Times are whole milliseconds, rounded rather than truncated: a time
 * set with utimes() comes back a few nanoseconds off through the float
 * conversion, and must still read as the value that was set.
 */
export interface FileVersion {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export function fileVersion(stats: Stats): FileVersion {
  return { size: stats.size, mtimeMs: Math.round(stats.mtimeMs), ctimeMs: Math.round(stats.ctimeMs) };
}

export function sameContentVersion(a: { size: number; mtimeMs: number }, b: { size: number; mtimeMs: number }): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}
