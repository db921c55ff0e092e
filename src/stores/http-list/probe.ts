import type { IncomingHttpHeaders } from 'node:http';
import { FerryError, type ObjectMetadata } from '../../core/index.js';
import type { HttpClient, HttpResponse } from './http-client.js';
import { statusError } from './http-errors.js';
import { contentLength, contentRange, lastModifiedMs, md5Etag, metadataOf } from './response-headers.js';

/** What a server tells about one URL without sending its body. */
export interface Probe {
  size: number;
  /** From Last-Modified; undefined when the server sends none. */
  mtimeMs: number | undefined;
  etag: string | undefined;
  metadata: ObjectMetadata;
}

/** HEAD answers that a ranged GET may still get past (no HEAD support, HEAD-less signed URLs). */
const HEAD_REFUSED = new Set([403, 405, 501]);

/**
 * Size, time and headers of a URL: a HEAD, or when the server refuses HEAD or
 * leaves out the length, a GET of its first byte, whose Content-Range names
 * the full size.
 */
export async function probeUrl(client: HttpClient, url: string, signal?: AbortSignal): Promise<Probe> {
  const head = await client.request('HEAD', url, {}, signal);
  head.body.resume();
  if (head.status >= 200 && head.status < 300) {
    const size = contentLength(head.headers);
    if (size !== undefined) return probeOf(head.headers, size);
  } else if (!HEAD_REFUSED.has(head.status)) {
    throw statusError(head.status, `HEAD ${url}`);
  }
  const get = await client.request('GET', url, { range: 'bytes=0-0' }, signal);
  return probeOf(get.headers, sizeFromFirstByte(get, url));
}

function sizeFromFirstByte(res: HttpResponse, url: string): number {
  let size: number | undefined;
  if (res.status === 206 || res.status === 416) {
    // 416 is how a server answers `bytes=0-0` for an empty file, with a `bytes */0` range.
    size = contentRange(res.headers)?.total;
    res.body.resume();
  } else if (res.status === 200) {
    size = contentLength(res.headers);
    // The server ignored the range and is sending everything: stop it.
    res.body.destroy();
  } else {
    res.body.resume();
    throw statusError(res.status, `GET ${url}`);
  }
  if (size === undefined) throw new FerryError('UNSUPPORTED', `${url}: the server does not tell the size`);
  return size;
}

function probeOf(headers: IncomingHttpHeaders, size: number): Probe {
  return { size, mtimeMs: lastModifiedMs(headers), etag: md5Etag(headers), metadata: metadataOf(headers) };
}
