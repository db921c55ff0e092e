import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectMetadata } from '../../core/index.js';

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = header(headers, 'content-length');
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

export interface ContentRange {
  /** Absent for `bytes *\/N` (how a 416 answer reads). */
  start?: number | undefined;
  end?: number | undefined;
  /** Absent when the server does not know (`/*`). */
  total?: number | undefined;
}

export function contentRange(headers: IncomingHttpHeaders): ContentRange | undefined {
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header(headers, 'content-range')?.trim() ?? '');
  if (match === null) return undefined;
  const [, start, end, total] = match;
  return {
    start: start === undefined ? undefined : Number(start),
    end: end === undefined ? undefined : Number(end),
    total: total === undefined || total === '*' ? undefined : Number(total),
  };
}

export function lastModifiedMs(headers: IncomingHttpHeaders): number | undefined {
  const value = header(headers, 'last-modified');
  const ms = value === undefined ? NaN : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The ETag only when it looks like a plain MD5 of the content: web servers
 * build theirs from inode, size and mtime (nginx `5f1e-1a2b`), which the
 * engine must not compare with a bucket's MD5 ETag. Weak ETags never qualify.
 */
export function md5Etag(headers: IncomingHttpHeaders): string | undefined {
  const match = /^"?([0-9a-fA-F]{32})"?$/.exec(header(headers, 'etag')?.trim() ?? '');
  return match?.[1]?.toLowerCase();
}

export function metadataOf(headers: IncomingHttpHeaders): ObjectMetadata {
  return {
    contentType: header(headers, 'content-type'),
    contentEncoding: header(headers, 'content-encoding'),
    contentDisposition: header(headers, 'content-disposition'),
    contentLanguage: header(headers, 'content-language'),
    cacheControl: header(headers, 'cache-control'),
    expires: header(headers, 'expires'),
    user: {},
  };
}
