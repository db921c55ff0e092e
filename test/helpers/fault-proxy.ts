// A fault-injecting HTTP proxy in front of a real S3 server (Ceph RGW), for
// tests that show Ferry keeps going when the network and the server
// misbehave, and never reports as copied what is not there.
//
// Like s3-proxy.ts it forwards the Host header unchanged, so SigV4 signatures
// made for the proxy's address still verify upstream. At a set rate (per
// request kind) it replaces a request's normal course with one fault:
//
//   slowdown  503 SlowDown with an S3 error document (the request never reaches the server)
//   internal  500 InternalError, likewise
//   reset     the connection is destroyed mid-body: after part of a request body
//             (PUT, UploadPart, POST with a body: the server never gets it), or
//             after the response head and part of the response body
//   stall     no answer at all, or the response head and part of its body and
//             then nothing: only the client's idle timeout gets it out
//   truncate  the response head promises N bytes (Content-Length), fewer come,
//             then the connection ends
//
// Which requests get a fault comes from a seeded PRNG drawn once per request
// in arrival order, so a run is reproducible as far as the client's own
// request order is. `decide` overrides the draw for chosen requests
// (a key that always fails, a fault on the third part...).
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describeRequest, type ProxiedRequest, type S3RequestKind } from './s3-proxy.js';

export const FAULT_KINDS = ['slowdown', 'internal', 'reset', 'stall', 'truncate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Request kinds that get faults unless `requests` says otherwise (not DELETE, not ListParts and the like). */
export const FAULTED_REQUEST_KINDS: readonly S3RequestKind[] = ['list', 'get', 'head', 'put', 'post', 'copy'];

export interface FaultPlan {
  /** Share of requests (0..1) that get a fault, for each kind in FAULTED_REQUEST_KINDS. */
  rate: number;
  /** PRNG seed. @defaultValue 1 */
  seed?: number;
  /** Relative weights of the fault kinds. @defaultValue 1 each */
  weights?: Partial<Record<FaultKind, number>>;
  /** Rate per request kind, overriding `rate` (0 exempts a kind; `delete` and `other` are exempt unless given here). */
  requests?: Partial<Record<S3RequestKind, number>>;
  /** How long a stalled request is held before the proxy drops it (the client should give up first). @defaultValue 120000 */
  stallMs?: number;
}

/** One fault the proxy injected. */
export interface InjectedFault {
  fault: FaultKind;
  request: ProxiedRequest;
  at: number;
}

/**
 * What `decide` may say about a request: a fault to inject, `pass` to let it
 * through untouched, or undefined to leave it to the PRNG.
 */
export type FaultDecision = FaultKind | 'pass' | undefined;

export interface FaultProxy {
  url: string;
  /** Requests seen, by kind (faulted or not). */
  requests: Record<S3RequestKind, number>;
  /** Faults injected, by fault kind. */
  injected: Record<FaultKind, number>;
  /** Faults injected, by request kind and fault kind. */
  injectedByRequest: Record<S3RequestKind, Record<FaultKind, number>>;
  /** Every fault injected, in order. */
  log: InjectedFault[];
  /** Total faults injected. */
  total(): number;
  /** Replaces the plan (and restarts the PRNG from its seed); `undefined` turns faults off. */
  setPlan(plan: FaultPlan | undefined): void;
  /** Zeroes the counters and the log. */
  reset(): void;
  /** Overrides the PRNG for chosen requests. */
  decide: ((req: ProxiedRequest) => FaultDecision) | undefined;
  /**
   * Runs before a request is forwarded or faulted; may delay it or answer it
   * itself (return true), as s3-proxy's hook does.
   */
  onRequest: ((req: ProxiedRequest, res: ServerResponse) => Promise<boolean | void> | boolean | void) | undefined;
  close(): Promise<void>;
}

const REQUEST_KINDS: readonly S3RequestKind[] = ['list', 'get', 'head', 'put', 'copy', 'post', 'delete', 'other'];

const zeroFaults = (): Record<FaultKind, number> => ({ slowdown: 0, internal: 0, reset: 0, stall: 0, truncate: 0 });

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An S3 error document, as RGW and AWS send them. */
export function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
}

/** Whether a request carries a body the client streams to us (so it can be cut mid-body). */
function hasRequestBody(req: IncomingMessage): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return length > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** Whether the response to this request normally has a body to truncate. */
function expectsResponseBody(info: ProxiedRequest): boolean {
  return info.method !== 'HEAD' && info.kind !== 'put' && info.kind !== 'delete';
}

/**
 * The upstream server's whole answer to a bodiless request (GET, HEAD) seen
 * by a hook, sent as the client sent it: a hook can then answer with it
 * changed, delayed or cut.
 */
export function fetchUpstream(target: string, info: ProxiedRequest): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const t = new URL(target);
  return new Promise((resolve, reject) => {
    const up = request({ host: t.hostname, port: t.port, method: info.method, path: info.url, headers: info.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once('error', reject);
    });
    up.once('error', reject);
    up.end();
  });
}

export async function startFaultProxy(target: string, plan?: FaultPlan): Promise<FaultProxy> {
  const upstreamUrl = new URL(target);
  const sockets = new Set<Socket>();
  let current: FaultPlan | undefined;
  let random = seededRandom(1);

  const proxy: FaultProxy = {
    url: '',
    requests: Object.fromEntries(REQUEST_KINDS.map((k) => [k, 0])) as Record<S3RequestKind, number>,
    injected: zeroFaults(),
    injectedByRequest: Object.fromEntries(REQUEST_KINDS.map((k) => [k, zeroFaults()])) as Record<S3RequestKind, Record<FaultKind, number>>,
    log: [],
    total: () => proxy.log.length,
    setPlan(next) {
      current = next;
      random = seededRandom(next?.seed ?? 1);
    },
    reset() {
      for (const k of REQUEST_KINDS) {
        proxy.requests[k] = 0;
        proxy.injectedByRequest[k] = zeroFaults();
      }
      proxy.injected = zeroFaults();
      proxy.log = [];
    },
    decide: undefined,
    onRequest: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  proxy.setPlan(plan);

  const record = (fault: FaultKind, info: ProxiedRequest): void => {
    proxy.injected[fault]++;
    proxy.injectedByRequest[info.kind][fault]++;
    proxy.log.push({ fault, request: info, at: Date.now() });
  };

  /** The PRNG's verdict: one draw for whether, one for which. */
  const draw = (info: ProxiedRequest): FaultKind | undefined => {
    if (!current) return undefined;
    const rate = current.requests?.[info.kind] ?? (FAULTED_REQUEST_KINDS.includes(info.kind) ? current.rate : 0);
    const hit = random() < rate;
    const pick = random();
    if (!hit) return undefined;
    const candidates = FAULT_KINDS.filter((k) => k !== 'truncate' || expectsResponseBody(info))
      .map((k) => [k, current?.weights?.[k] ?? 1] as const)
      .filter(([, w]) => w > 0);
    const sum = candidates.reduce((a, [, w]) => a + w, 0);
    if (sum === 0) return undefined;
    let left = pick * sum;
    for (const [k, w] of candidates) {
      left -= w;
      if (left < 0) return k;
    }
    return candidates.at(-1)?.[0];
  };

  const stallMs = (): number => current?.stallMs ?? 120_000;

  /** Holds a connection without a word until the client gives up (or the stall limit). */
  const hold = (socket: Socket): void => {
    const timer = setTimeout(() => socket.destroy(), stallMs());
    socket.once('close', () => clearTimeout(timer));
  };

  /** Forwards the request and hands back the upstream response's head and whole body. */
  const fetchUpstream = (req: IncomingMessage): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const up = request({ host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.once('error', reject);
      });
      up.once('error', reject);
      req.pipe(up);
    });

  const answer = (res: ServerResponse, status: number, code: string, message: string): void => {
    const body = s3ErrorXml(code, message);
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  /** Sends the head and the first part of `body` (at least one byte, at most half), then calls `then`. */
  const sendPart = (res: ServerResponse, status: number, headers: IncomingHttpHeaders, body: Buffer, then: (socket: Socket) => void): void => {
    const socket = res.socket;
    res.writeHead(status, headers as OutgoingHttpHeaders);
    const part = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
    res.write(part, () => {
      if (socket) then(socket);
    });
  };

  const inject = async (fault: FaultKind, info: ProxiedRequest, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const socket = req.socket;
    switch (fault) {
      case 'slowdown':
        req.resume();
        record(fault, info);
        return answer(res, 503, 'SlowDown', 'Please reduce your request rate.');
      case 'internal':
        req.resume();
        record(fault, info);
        return answer(res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
      case 'reset':
        if (hasRequestBody(req) && info.kind !== 'copy') {
          // Cut while the client is still sending: the server never gets the request.
          record(fault, info);
          req.once('data', () => socket.destroy());
          req.once('end', () => socket.destroy());
          return;
        }
        break;
      case 'stall':
        if (!expectsResponseBody(info) || random() < 0.5) {
          // Not a word back, the request body read and dropped.
          record(fault, info);
          req.resume();
          hold(socket);
          return;
        }
        break;
      case 'truncate':
        break;
    }
    // The rest need the server's real answer to cut it short.
    let up;
    try {
      up = await fetchUpstream(req);
    } catch {
      socket.destroy();
      return;
    }
    record(fault, info);
    if (up.body.length === 0 || info.method === 'HEAD') {
      // Nothing to cut in the middle of: the head itself never arrives.
      if (fault === 'stall') hold(socket);
      else socket.destroy();
      return;
    }
    if (fault === 'reset') return sendPart(res, up.status, up.headers, up.body, (s) => s.destroy());
    if (fault === 'truncate') return sendPart(res, up.status, up.headers, up.body, (s) => s.end());
    return sendPart(res, up.status, up.headers, up.body, hold);
  };

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const up = request({ host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    // A client that gave up (its timeout) leaves nothing to answer.
    res.once('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const info = describeRequest(req);
      proxy.requests[info.kind]++;
      if (proxy.onRequest && (await proxy.onRequest(info, res)) === true) {
        req.resume();
        return;
      }
      const decided = proxy.decide?.(info);
      const fault = decided === 'pass' ? undefined : (decided ?? draw(info));
      if (fault) await inject(fault, info, req, res);
      else forward(req, res);
    })().catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
