// A request log for startS3Proxy that also records when each request came
// and the status the client got, plus one replaceable hook (delay a request
// or answer it), so tests can say "after the restart, no GET of key X" or
// "4 UploadParts had succeeded when we killed it".
import type { ServerResponse } from 'node:http';
import type { ProxiedRequest, S3Proxy } from './s3-proxy.js';

export interface TappedRequest extends ProxiedRequest {
  /** Position in the log (0-based). */
  index: number;
  at: number;
  /** The status sent to the client, once the response finished. */
  status?: number;
}

export type ProxyHook = (req: TappedRequest, res: ServerResponse) => Promise<boolean | void> | boolean | void;

export interface ProxyTap {
  log: TappedRequest[];
  /** Runs for each request after it is logged; may delay it or answer it (return true). */
  hook: ProxyHook | undefined;
  /** The log position now: requests from here on came later. */
  mark(): number;
  since(mark: number): TappedRequest[];
}

export function tapProxy(proxy: S3Proxy): ProxyTap {
  const tap: ProxyTap = {
    log: [],
    hook: undefined,
    mark: () => tap.log.length,
    since: (mark) => tap.log.slice(mark),
  };
  proxy.onRequest = async (req, res) => {
    const t: TappedRequest = { ...req, index: tap.log.length, at: Date.now() };
    tap.log.push(t);
    res.once('finish', () => {
      t.status = res.statusCode;
    });
    return tap.hook?.(t, res);
  };
  return tap;
}

// ---- S3 request shapes (path-style) ----------------------------------------

/** ListObjectsV2 of a bucket. */
export const isList = (r: ProxiedRequest, bucket: string): boolean => r.method === 'GET' && r.bucket === bucket && r.key === '' && r.query.get('list-type') === '2';
/** GetObject (a read of object bytes, whole or ranged). */
export const isObjectGet = (r: ProxiedRequest, bucket: string): boolean => r.kind === 'get' && r.bucket === bucket && r.key !== '';
/** PutObject (not a part, not a copy). */
export const isObjectPut = (r: ProxiedRequest, bucket: string): boolean => r.kind === 'put' && r.bucket === bucket && !r.query.has('uploadId');
export const isUploadPart = (r: ProxiedRequest, bucket: string): boolean => r.method === 'PUT' && r.bucket === bucket && r.query.has('uploadId') && r.query.has('partNumber');
export const isListParts = (r: ProxiedRequest, bucket: string): boolean => r.method === 'GET' && r.bucket === bucket && r.key !== '' && r.query.has('uploadId');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Answers a request with an S3 error document (the proxy never forwards it). */
export function answerS3Error(res: ServerResponse, status: number, code: string, message: string): true {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}
