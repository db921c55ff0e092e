// The fault proxy itself, against a small local HTTP server standing in for
// S3: each fault kind does to the client what it claims to, the counters
// count it, and the same seed faults the same requests.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, seededRandom, startFaultProxy, type FaultKind, type FaultProxy } from '../helpers/fault-proxy.js';

const BODY = Buffer.alloc(64 * 1024, 7);

interface Outcome {
  status?: number;
  headers?: IncomingHttpHeaders;
  bytes: number;
  /** How the exchange ended for the client. */
  end: 'complete' | 'error' | 'timeout';
  error?: string;
}

/** One request as a plain node:http client sees it, with an idle timeout. */
function exchange(url: string, method: string, path: string, body?: Buffer, timeoutMs = 500): Promise<Outcome> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const out: Outcome = { bytes: 0, end: 'complete' };
    let done = false;
    const finish = (end: Outcome['end'], error?: string): void => {
      if (done) return;
      done = true;
      out.end = end;
      if (error !== undefined) out.error = error;
      resolve(out);
    };
    const headers: Record<string, string> = { host: 'bucket.example' };
    if (body) headers['content-length'] = String(body.length);
    const req = request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      res.on('data', (c: Buffer) => {
        out.bytes += c.length;
      });
      res.once('end', () => finish('complete'));
      res.once('error', (e) => finish('error', e.message));
      res.once('aborted', () => finish('error', 'aborted'));
      res.once('close', () => finish(res.complete ? 'complete' : 'error', 'closed early'));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      finish('timeout');
    });
    req.once('error', (e) => finish('error', e.message));
    req.end(body);
  });
}

describe('fault proxy', () => {
  let upstream: Server;
  let upstreamUrl = '';
  let proxy: FaultProxy;
  const received: { method: string; url: string; host: string; bytes: number }[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      req.once('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', bytes });
        if (req.method === 'PUT') {
          res.writeHead(200, { etag: '"abc"', 'content-length': 0 });
          res.end();
        } else if (req.method === 'HEAD') {
          res.writeHead(200, { 'content-length': BODY.length });
          res.end();
        } else {
          res.writeHead(200, { 'content-length': BODY.length, 'content-type': 'application/octet-stream' });
          res.end(BODY);
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    proxy = await startFaultProxy(upstreamUrl);
  });

  afterEach(() => {
    proxy.decide = undefined;
    proxy.setPlan(undefined);
    proxy.reset();
    received.length = 0;
  });

  afterAll(async () => {
    await proxy.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('passes requests through untouched without a plan, Host header included', async () => {
    const got = await exchange(proxy.url, 'GET', '/bucket/key');
    expect(got).toMatchObject({ status: 200, bytes: BODY.length, end: 'complete' });
    expect(received).toEqual([{ method: 'GET', url: '/bucket/key', host: 'bucket.example', bytes: 0 }]);
    expect(proxy.total()).toBe(0);
    expect(proxy.requests.get).toBe(1);
  });

  it('slowdown and internal answer with S3 error documents and never reach the server', async () => {
    proxy.decide = (r) => (r.key === 'slow' ? 'slowdown' : 'internal');
    const slow = await exchange(proxy.url, 'PUT', '/bucket/slow', Buffer.alloc(1000));
    const internal = await exchange(proxy.url, 'GET', '/bucket/other');
    expect(slow.status).toBe(503);
    expect(internal.status).toBe(500);
    expect(received).toEqual([]);
    expect(proxy.injected).toMatchObject({ slowdown: 1, internal: 1 });
    expect(proxy.injectedByRequest.put.slowdown).toBe(1);
    expect(proxy.injectedByRequest.get.internal).toBe(1);
  });

  it('reset cuts a response mid-body after its head, and a PUT mid-request-body before the server sees it', async () => {
    proxy.decide = () => 'reset';
    const get = await exchange(proxy.url, 'GET', '/bucket/key');
    expect(get.status).toBe(200);
    expect(get.end).toBe('error');
    expect(get.bytes).toBeGreaterThan(0);
    expect(get.bytes).toBeLessThan(BODY.length);
    const put = await exchange(proxy.url, 'PUT', '/bucket/up', Buffer.alloc(256 * 1024, 1));
    expect(put.end).toBe('error');
    expect(put.status).toBeUndefined();
    // Only the GET reached the server.
    expect(received.map((r) => r.method)).toEqual(['GET']);
    expect(proxy.injected.reset).toBe(2);
  });

  it('truncate sends fewer bytes than Content-Length says, then ends the connection', async () => {
    proxy.decide = () => 'truncate';
    const got = await exchange(proxy.url, 'GET', '/bucket/key');
    expect(got.status).toBe(200);
    expect(Number(got.headers?.['content-length'])).toBe(BODY.length);
    expect(got.end).toBe('error');
    expect(got.bytes).toBe(BODY.length / 2);
    expect(proxy.injected.truncate).toBe(1);
  });

  it('stall leaves the client to its idle timeout, mid-body or without any answer', async () => {
    proxy.setPlan({ rate: 0, stallMs: 10_000 });
    proxy.decide = () => 'stall';
    const outcomes = await Promise.all([
      exchange(proxy.url, 'HEAD', '/bucket/a', undefined, 300),
      exchange(proxy.url, 'PUT', '/bucket/b', Buffer.alloc(100), 300),
      ...Array.from({ length: 6 }, (_, i) => exchange(proxy.url, 'GET', `/bucket/c${i}`, undefined, 300)),
    ]);
    for (const o of outcomes) expect(o.end).toBe('timeout');
    // Some GETs got their head and part of the body before it stopped (one PRNG draw each).
    const partial = outcomes.filter((o) => o.status === 200);
    for (const o of partial) expect(o.bytes).toBeLessThan(BODY.length);
    expect(proxy.injected.stall).toBe(8);
  });

  it('faults about the planned share of requests, of every kind, and the same seed faults the same requests', async () => {
    const run = async (seed: number): Promise<string[]> => {
      proxy.reset();
      proxy.setPlan({ rate: 0.3, seed, weights: { stall: 0 } });
      const faulted: string[] = [];
      for (let i = 0; i < 200; i++) {
        const before = proxy.total();
        await exchange(proxy.url, 'GET', `/bucket/k${i}`);
        if (proxy.total() > before) faulted.push(`k${i}:${proxy.log.at(-1)?.fault}`);
      }
      return faulted;
    };
    const first = await run(42);
    const again = await run(42);
    const other = await run(43);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // 30% of 200, within what chance allows (±4.5 standard deviations).
    expect(first.length).toBeGreaterThan(30);
    expect(first.length).toBeLessThan(90);
    const kinds = new Set(first.map((f) => f.split(':')[1] as FaultKind));
    expect([...kinds].sort()).toEqual(FAULT_KINDS.filter((k) => k !== 'stall').sort());
  });

  it('exempts request kinds whose rate is 0 and DELETE by default', async () => {
    proxy.setPlan({ rate: 1, requests: { head: 0 }, weights: { stall: 0 } });
    await exchange(proxy.url, 'HEAD', '/bucket/h');
    await exchange(proxy.url, 'DELETE', '/bucket/d');
    expect(proxy.total()).toBe(0);
    await exchange(proxy.url, 'GET', '/bucket/g');
    expect(proxy.total()).toBe(1);
  });

  it('seededRandom is uniform enough and reproducible', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
