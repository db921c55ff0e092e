import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the proxy classifies a request to an S3 server (path-style). */
export type S3RequestKind = 'list' | 'get' | 'head' | 'put' | 'copy' | 'post' | 'delete' | 'other';

export interface ProxiedRequest {
  method: string;
  /** Path and query as sent (still encoded, as signed), for a hook that forwards the request itself. */
  url: string;
  kind: S3RequestKind;
  bucket: string;
  key: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export interface S3Proxy {
  url: string;
  counts: Record<S3RequestKind, number>;
  requests: ProxiedRequest[];
  reset(): void;
  /** Runs before a request is forwarded; may delay it or answer it itself (return true). */
  onRequest: ((req: ProxiedRequest, res: ServerResponse) => Promise<boolean | void> | boolean | void) | undefined;
  close(): Promise<void>;
}

/**
 * A transparent HTTP proxy in front of a real S3 server that counts and
 * classifies requests, so a test can show what the client asked for (no HEAD
 * on a re-run, no GET on a server-side copy). The Host header is forwarded
 * unchanged, so SigV4 signatures made for the proxy's address still verify.
 */
export async function startS3Proxy(target: string): Promise<S3Proxy> {
  const t = new URL(target);
  const zero = (): Record<S3RequestKind, number> => ({ list: 0, get: 0, head: 0, put: 0, copy: 0, post: 0, delete: 0, other: 0 });
  const proxy: S3Proxy = {
    url: '',
    counts: zero(),
    requests: [],
    reset() {
      proxy.counts = zero();
      proxy.requests = [];
    },
    onRequest: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const info = describeRequest(req);
      proxy.counts[info.kind]++;
      proxy.requests.push(info);
      if (proxy.onRequest && (await proxy.onRequest(info, res)) === true) {
        req.resume();
        return;
      }
      const upstream = request(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    })();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** The request as S3 sees it: bucket, key, query and kind. */
export function describeRequest(req: IncomingMessage): ProxiedRequest {
  const url = new URL(req.url ?? '/', 'http://x');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  return { method: req.method ?? 'GET', url: req.url ?? '/', kind: classify(req, key, url.searchParams), bucket, key, query: url.searchParams, headers: req.headers };
}

/** What kind of S3 request this is (path-style addressing). */
export function classify(req: IncomingMessage, key: string, q: URLSearchParams): S3RequestKind {
  const m = req.method ?? 'GET';
  if (m === 'GET' && key === '') return 'list';
  if (m === 'GET' && (q.has('uploadId') || q.has('uploads'))) return 'other';
  if (m === 'GET') return 'get';
  if (m === 'HEAD') return 'head';
  if (m === 'PUT' && req.headers['x-amz-copy-source']) return 'copy';
  if (m === 'PUT') return 'put';
  if (m === 'POST') return 'post';
  if (m === 'DELETE') return 'delete';
  return 'other';
}
