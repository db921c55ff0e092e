import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashingStream, ObjectHasher, crc64, hashBuffer } from '../../src/engine/hashing/index.js';
import { FerryError } from '../../src/core/errors.js';

function sink(): { writable: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  const writable = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { writable, data: () => Buffer.concat(chunks) };
}

function chunksOf(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; off += size) out.push(buf.subarray(off, off + size));
  return out;
}

const FOX = 'The quick brown fox jumps over the lazy dog';

describe('HashingStream', () => {
  it('passes bytes through unchanged and hashes them', async () => {
    const data = randomBytes(1_000_003);
    const hasher = new HashingStream({ crc64: true });
    const out = sink();
    await pipeline(Readable.from(chunksOf(data, 65_521)), hasher, out.writable);
    expect(out.data().equals(data)).toBe(true);
    const md5 = createHash('md5').update(data).digest();
    expect(hasher.result).toEqual({
      bytes: data.length,
      md5Hex: md5.toString('hex'),
      md5Base64: md5.toString('base64'),
      crc64: crc64(data),
    });
  });

  it('gives known MD5 and CRC-64 values', async () => {
    const hasher = new HashingStream({ crc64: true });
    await pipeline(Readable.from([Buffer.from('The quick '), Buffer.from('brown fox jumps over the lazy dog')]), hasher, sink().writable);
    expect(hasher.result.md5Hex).toBe('9e107d9d372bb6826bd81d3542a419d6');
    expect(hasher.result.md5Base64).toBe('nhB9nTcrtoJr2B01QqQZ1g==');
    expect(hasher.result.crc64).toBe('6583902852472283588');
    expect(hasher.result.bytes).toBe(43);
  });

  it('leaves crc64 undefined unless asked for', async () => {
    const hasher = new HashingStream();
    await pipeline(Readable.from([Buffer.from('abc')]), hasher, sink().writable);
    expect(hasher.result.crc64).toBeUndefined();
    expect(hasher.result.md5Hex).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('hashes an empty stream', async () => {
    const hasher = new HashingStream({ crc64: true });
    await pipeline(Readable.from([]), hasher, sink().writable);
    expect(hasher.result).toEqual({
      bytes: 0,
      md5Hex: 'd41d8cd98f00b204e9800998ecf8427e',
      md5Base64: '1B2M2Y8AsgTpgAmY7PhCfg==',
      crc64: '0',
    });
  });

  it('reports per-chunk deltas and the running total', async () => {
    const calls: [number, number][] = [];
    const hasher = new HashingStream({ onProgress: (delta, total) => calls.push([delta, total]) });
    await pipeline(Readable.from([Buffer.alloc(10), Buffer.alloc(5), Buffer.alloc(7)]), hasher, sink().writable);
    expect(calls).toEqual([
      [10, 10],
      [5, 15],
      [7, 22],
    ]);
  });

  it('refuses to give a result before the end', () => {
    const hasher = new HashingStream();
    hasher.write(Buffer.from('abc'));
    expect(hasher.bytes).toBe(3);
    expect(() => hasher.result).toThrow(FerryError);
    hasher.destroy();
  });

  it('fails a body shorter than expectedBytes as a retryable network error', async () => {
    const hasher = new HashingStream({ expectedBytes: 10 });
    const err = await pipeline(Readable.from([Buffer.alloc(9)]), hasher, sink().writable).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('NETWORK');
    expect((err as FerryError).retryable).toBe(true);
  });

  it('fails a body longer than expectedBytes before passing the extra bytes on', async () => {
    const hasher = new HashingStream({ expectedBytes: 10 });
    const out = sink();
    const err = await pipeline(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), hasher, out.writable).catch((e: unknown) => e);
    expect((err as FerryError).code).toBe('SOURCE_CHANGED');
    expect(out.data().length).toBe(6);
  });

  it('accepts exactly expectedBytes', async () => {
    const hasher = new HashingStream({ expectedBytes: 12 });
    await pipeline(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), hasher, sink().writable);
    expect(hasher.result.bytes).toBe(12);
  });

  it('aborts the pipeline when onProgress throws', async () => {
    const hasher = new HashingStream({
      onProgress: () => {
        throw new FerryError('INTERNAL', 'cancelled');
      },
    });
    await expect(pipeline(Readable.from([Buffer.alloc(1)]), hasher, sink().writable)).rejects.toThrow('cancelled');
  });

  it('propagates a source error through pipeline', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(pipeline(source, new HashingStream(), sink().writable)).rejects.toThrow('connection reset');
  });
});

describe('ObjectHasher / hashBuffer', () => {
  it('hashes a buffer in one call', () => {
    expect(hashBuffer(Buffer.from(FOX), { crc64: true })).toEqual({
      bytes: 43,
      md5Hex: '9e107d9d372bb6826bd81d3542a419d6',
      md5Base64: 'nhB9nTcrtoJr2B01QqQZ1g==',
      crc64: '6583902852472283588',
    });
  });

  it('returns the same result on a second digest and refuses updates after it', () => {
    const hasher = new ObjectHasher().update(Buffer.from('abc'));
    const first = hasher.digest();
    expect(hasher.digest()).toBe(first);
    expect(() => hasher.update(Buffer.from('d'))).toThrow(FerryError);
  });
});
