// `ferry copy` between two Ceph RGW buckets of different owners (so every
// byte streams through Ferry) with the fault proxy in front of both ends:
// under 10% faults of every kind the copy completes, exactly, verified, and
// says how many retries it took; a stalled request is given up after
// FERRY_IO_TIMEOUT; an object whose retries run out is reported failed with
// its reason, never as copied.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultProxy } from '../helpers/fault-proxy.js';
import type { FerryCli } from '../helpers/ferry-cli.js';
import { startFaultedPair, type FaultedPair } from '../helpers/faulted-pair.js';
import { listObjects, md5Hex, md5OfObject, putMany, type BulkObject } from '../helpers/s3-bulk.js';
import { hasS3 } from '../helpers/s3-env.js';

const MiB = 1024 * 1024;

interface Summary {
  listed: number;
  copied: number;
  skipped: number;
  failed: number;
  retries: number;
  failures: { key: string; error: string }[];
}

describe.skipIf(!hasS3())('ferry copy under injected faults', () => {
  let pair: FaultedPair | undefined;
  let srcBucket = '';
  let dstBucket = '';
  let proxy: FaultProxy;
  let cli: FerryCli;
  let impatient: FerryCli;
  const items: BulkObject[] = [];

  /** The destination under `prefix` holds exactly `expected` (keys relative to it), byte for byte. */
  const expectCopied = async (prefix: string, expected: BulkObject[]): Promise<void> => {
    const listed = await listObjects(dstBucket, 2, prefix);
    expect(listed.map((o) => o.key.slice(prefix.length))).toEqual(expected.map((i) => i.key).sort());
    for (const o of listed) {
      const body = expected.find((i) => i.key === o.key.slice(prefix.length))?.body as Buffer;
      expect(o.size, o.key).toBe(body.length);
      // A multipart ETag is no MD5 of the content: read those objects back.
      const md5 = o.etag.includes('-') ? (await md5OfObject(dstBucket, o.key, 2)).md5 : o.etag;
      expect(md5, o.key).toBe(md5Hex(body));
    }
  };

  /** Objects (by source key) a request of which met a fault since the last reset, listings aside; `dstPrefix` maps destination keys back. */
  const faultedObjects = (dstPrefix: string): Set<string> =>
    new Set(proxy.log.filter((f) => f.request.kind !== 'list').map((f) => (f.request.bucket === dstBucket ? f.request.key.slice(dstPrefix.length) : f.request.key)));

  beforeAll(async () => {
    pair = await startFaultedPair('faults-copy');
    ({ srcBucket, dstBucket, proxy, cli, impatient } = pair);
    for (let i = 0; i < 400; i++) items.push({ key: `small/d${i % 8}/o${String(i).padStart(4, '0')}`, body: randomBytes(200 + ((i * 131) % 40_000)) });
    // Above the lowered threshold: four 3 MiB parts each, ranged GETs streamed into UploadParts.
    for (let i = 0; i < 2; i++) items.push({ key: `large/l${i}.bin`, body: randomBytes(12 * MiB + 1234 * i) });
    await putMany(srcBucket, items, 1, 32);
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('copies every object exactly under 10% faults of every kind, and counts the retries', async () => {
    proxy.reset();
    // A stall is held for 10 minutes: only the client's own timeout gets this copy done in time.
    proxy.setPlan({ rate: 0.1, seed: 20261122, stallMs: 600_000 });
    // At 10% per request a small object's attempt (GET + PUT) fails 19% of the time: with the default
    // 5 attempts one object in 4,000 would run out; 11 attempts make that one in 10^8.
    const r = await impatient.run('copy', 'src', 'dst:a/', '--json', '--multipart-threshold', '8MiB', '--part-size', '3MiB');
    proxy.setPlan(undefined);
    expect(r.code, r.err).toBe(0);
    const s = r.json<Summary>();
    expect(s).toMatchObject({ listed: items.length, copied: items.length, skipped: 0, failed: 0, failures: [] });
    for (const kind of FAULT_KINDS) expect(proxy.injected[kind], kind).toBeGreaterThan(0);
    for (const kind of ['get', 'put'] as const) expect(proxy.injectedByRequest[kind].reset + proxy.injectedByRequest[kind].stall, kind).toBeGreaterThan(0);
    // Each object that met a fault failed at least one attempt (or part), and each such failure is a retry
    // (one attempt may meet two faults: a streamed GET and its upload overlap).
    expect(faultedObjects('a/').size).toBeGreaterThan(20);
    expect(s.retries).toBeGreaterThanOrEqual(faultedObjects('a/').size);
    await expectCopied('a/', items);
  });

  it('gives up a stalled request after FERRY_IO_TIMEOUT and tries again', async () => {
    proxy.reset();
    proxy.setPlan({ rate: 0, stallMs: 600_000 });
    const stalled = new Set<string>();
    // The first GET of one object and the first PUT of another get no answer at all (or half a body).
    proxy.decide = (req) => {
      const target = (req.kind === 'get' && req.key === 'small/d1/o0001') || (req.kind === 'put' && req.key === 'stall/o0009');
      if (!target || stalled.has(`${req.kind} ${req.key}`)) return 'pass';
      stalled.add(`${req.kind} ${req.key}`);
      return 'stall';
    };
    try {
      const s = (await impatient.ok(0, 'copy', 'src:small/d1/', 'dst:stall/', '--json')).json<Summary>();
      const d1 = items.filter((i) => i.key.startsWith('small/d1/'));
      expect(s).toMatchObject({ listed: d1.length, copied: d1.length, failed: 0 });
      // One retry per stall (a busy server may cost a few more at 2 s).
      expect(s.retries).toBeGreaterThanOrEqual(2);
      expect(proxy.injected).toMatchObject({ stall: 2, slowdown: 0, internal: 0, reset: 0, truncate: 0 });
      await expectCopied('stall/', d1.map((i) => ({ ...i, key: i.key.slice('small/d1/'.length) })));
    } finally {
      proxy.decide = undefined;
      proxy.setPlan(undefined);
    }
  });

  it('completes a multipart upload whose CompleteMultipartUpload answer was cut short after the server had done it', async () => {
    proxy.reset();
    let cut = 0;
    // Forwarded, completed by the server, then its answer truncated: the client cannot know it worked.
    proxy.decide = (req) => (req.kind === 'post' && req.query.has('uploadId') && req.bucket === dstBucket && cut++ === 0 ? 'truncate' : 'pass');
    try {
      const r = await cli.run('copy', 'src:large/', 'dst:cut/', '--json', '--multipart-threshold', '8MiB', '--part-size', '3MiB');
      expect(r.code, r.err).toBe(0);
      expect(r.json<Summary>()).toMatchObject({ copied: 2, failed: 0, retries: 1 });
      expect(proxy.injected.truncate).toBe(1);
      await expectCopied('cut/', items.filter((i) => i.key.startsWith('large/')).map((i) => ({ ...i, key: i.key.slice('large/'.length) })));
    } finally {
      proxy.decide = undefined;
    }
  });

  it('reports an object whose retries run out as failed, with the reason, exits 1, and copies the rest', async () => {
    proxy.reset();
    const doomed = 'small/d3/o0003';
    proxy.decide = (req) => (req.kind === 'get' && req.key === doomed ? 'internal' : 'pass');
    try {
      const r = await cli.run('copy', 'src:small/d3/', 'dst:doomed/', '--json', '--retries', '2');
      expect(r.code, r.err).toBe(1);
      const s = r.json<Summary>();
      const d3 = items.filter((i) => i.key.startsWith('small/d3/'));
      expect(s).toMatchObject({ listed: d3.length, copied: d3.length - 1, failed: 1, retries: 2 });
      expect(s.failures).toHaveLength(1);
      expect(s.failures[0]?.key).toBe('o0003');
      expect(s.failures[0]?.error).toMatch(/GetObject .*o0003.*InternalError \(500\)/);
      expect(s.failures[0]?.error).not.toContain('\n');
      // Three attempts in all, then it was left alone.
      expect(proxy.injectedByRequest.get.internal).toBe(3);
      const copied = await listObjects(dstBucket, 2, 'doomed/');
      expect(copied.map((o) => o.key)).not.toContain('doomed/o0003');
      expect(copied).toHaveLength(d3.length - 1);

      // Without --json: the summary line carries the retries, the failure is one line on stderr.
      proxy.reset();
      const human = await cli.run('copy', 'src:small/d3/', 'dst:doomed/', '--retries', '1');
      expect(human.code).toBe(1);
      expect(human.out).toMatch(/^failed 1, retries 1$/m);
      expect(human.err.trim().split('\n')).toEqual([expect.stringMatching(/^failed: o0003: .*InternalError \(500\)/)]);
    } finally {
      proxy.decide = undefined;
    }
  });
});
