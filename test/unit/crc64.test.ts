import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64, crc64Combine } from '../../src/engine/hashing/index.js';
import { FerryError } from '../../src/core/errors.js';

const MASK = (1n << 64n) - 1n;
const POLY = 0xc96c5795d7870f42n;

/** Bit-by-bit BigInt CRC-64/XZ: slow, but too simple to be wrong the same way. */
function referenceCrc64(buf: Uint8Array): bigint {
  let crc = MASK;
  for (const byte of buf) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ POLY : crc >> 1n;
  }
  return crc ^ MASK;
}

const text = (s: string) => Buffer.from(s, 'utf8');

describe('crc64', () => {
  it('matches the CRC-64/XZ check value', () => {
    expect(crc64(text('123456789'))).toBe('11051210869376104954');
    expect(new Crc64().update(text('123456789')).digest()).toBe(0x995dc9bbdf1939fan);
  });

  it('is 0 for no input', () => {
    expect(crc64(new Uint8Array(0))).toBe('0');
    expect(new Crc64().digest()).toBe(0n);
  });

  it('matches values computed by an independent (Python) implementation', () => {
    expect(crc64(text('The quick brown fox jumps over the lazy dog'))).toBe('6583902852472283588');
    expect(crc64(text('a'))).toBe('3675645893302102789');
    const ramp = new Uint8Array(1024).map((_, i) => i & 0xff);
    expect(crc64(ramp)).toBe('15357192874899391488');
  });

  it('matches the bit-by-bit reference for every length around the 8-byte stride', () => {
    const data = randomBytes(300);
    for (let len = 0; len <= data.length; len++) {
      const part = data.subarray(0, len);
      expect(new Crc64().update(part).digest(), `length ${len}`).toBe(referenceCrc64(part));
    }
  });

  it('matches the reference on a larger random buffer, including a non-zero byteOffset', () => {
    const backing = randomBytes(64 * 1024 + 3);
    const view = backing.subarray(3);
    expect(new Crc64().update(view).digest()).toBe(referenceCrc64(view));
  });

  it('gives the one-shot result when fed in odd chunk sizes', () => {
    const data = randomBytes(100_003);
    const whole = crc64(data);
    for (const size of [1, 3, 7, 8, 9, 13, 4093, 65_537]) {
      const crc = new Crc64();
      for (let off = 0; off < data.length; off += size) crc.update(data.subarray(off, off + size));
      expect(crc.digestDecimal(), `chunk size ${size}`).toBe(whole);
    }
  });

  it('does not finalise on digest(): more bytes may follow', () => {
    const crc = new Crc64().update(text('1234'));
    crc.digest();
    expect(crc.update(text('56789')).digestDecimal()).toBe('11051210869376104954');
  });

  it('resumes from an earlier digest', () => {
    const head = new Crc64().update(text('12345')).digest();
    expect(new Crc64(head).update(text('6789')).digestDecimal()).toBe('11051210869376104954');
  });
});

describe('crc64Combine', () => {
  it('combines random splits into the CRC of the whole', () => {
    const data = randomBytes(20_000);
    const whole = new Crc64().update(data).digest();
    const cuts = [0, 1, 7, 8, 9, 4096, 12_345, 19_999, 20_000, ...Array.from({ length: 10 }, () => Math.floor(Math.random() * 20_001))];
    for (const cut of cuts) {
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      const combined = crc64Combine(new Crc64().update(a).digest(), new Crc64().update(b).digest(), b.length);
      expect(combined, `cut at ${cut}`).toBe(whole);
    }
  });

  it('folds many parts, as multipart uploads do', () => {
    const data = randomBytes(50_000);
    const parts = [0, 1000, 1001, 17_000, 33_333, 50_000];
    let acc: bigint | undefined;
    for (let i = 0; i + 1 < parts.length; i++) {
      const part = data.subarray(parts[i], parts[i + 1]);
      const crc = new Crc64().update(part).digest();
      acc = acc === undefined ? crc : crc64Combine(acc, crc, part.length);
    }
    expect(acc).toBe(referenceCrc64(data));
  });

  it('is associative for lengths beyond 2^32 bytes', () => {
    // x^(8(m+n)) = x^(8m)·x^(8n): checks the length loop past 32-bit shifts.
    const a = 0x0123456789abcdefn;
    const b = 0xfedcba9876543210n;
    const c = 0xdeadbeefcafebaben;
    const lb = 3_000_000_007;
    const lc = 5_000_000_011;
    const left = crc64Combine(crc64Combine(a, b, lb), c, lc);
    const right = crc64Combine(a, crc64Combine(b, c, lc), lb + lc);
    expect(left).toBe(right);
    expect(left).not.toBe(a ^ c);
  });

  it('returns crc1 for an empty second part', () => {
    expect(crc64Combine(12345n, 0n, 0)).toBe(12345n);
  });

  it('refuses a negative or fractional length', () => {
    expect(() => crc64Combine(1n, 2n, -1)).toThrow(FerryError);
    expect(() => crc64Combine(1n, 2n, 1.5)).toThrow(FerryError);
  });
});
