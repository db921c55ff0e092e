/**
 * CRC-64/XZ, the checksum Alibaba OSS (`x-oss-hash-crc64ecma`) and Tencent
 * COS (`x-cos-hash-crc64ecma`) report as "CRC64-ECMA": polynomial
 * 0x42F0E1EBA9EA3693 (reflected 0xC96C5795D7870F42), init and xorout ~0.
 * Check value of "123456789": 0x995DC9BBDF1939FA.
 *
 * The register is kept as two int32 halves because BigInt arithmetic is two
 * orders of magnitude slower than int32 in V8; tables are slicing-by-8 so the
 * loop does one round per 8 input bytes.
 */
import { FerryError } from '../../core/errors.js';

const POLY_HI = 0xc96c5795 | 0;
const POLY_LO = 0xd7870f42 | 0;

// T[k][n] = CRC of byte n followed by k zero bytes, stored flat at k*256+n.
// Int32Array, not Uint32Array: V8 keeps int32 values unboxed, while uint32
// values above 2^31 can fall back to doubles in optimised code.
const TABLE_HI = new Int32Array(8 * 256);
const TABLE_LO = new Int32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = (lo >>> 1) | (hi << 31);
    hi = hi >>> 1;
    if (carry) {
      hi ^= POLY_HI;
      lo ^= POLY_LO;
    }
  }
  TABLE_HI[n] = hi | 0;
  TABLE_LO[n] = lo | 0;
}
for (let i = 256; i < 8 * 256; i++) {
  const prevHi = TABLE_HI[i - 256]!;
  const prevLo = TABLE_LO[i - 256]!;
  const idx = prevLo & 0xff;
  TABLE_HI[i] = (prevHi >>> 8) ^ TABLE_HI[idx]!;
  TABLE_LO[i] = ((prevLo >>> 8) | (prevHi << 24)) ^ TABLE_LO[idx]!;
}

const MASK64 = (1n << 64n) - 1n;

/** Incremental CRC-64/XZ. `digest()` does not finalise: more bytes may follow. */
export class Crc64 {
  // Raw register (before xorout), as signed int32 halves.
  private hi: number;
  private lo: number;

  /** @param resumeFrom a previous `digest()` to continue from, e.g. after a restart. */
  constructor(resumeFrom: bigint = 0n) {
    const state = ~resumeFrom & MASK64;
    this.hi = Number(state >> 32n) | 0;
    this.lo = Number(state & 0xffffffffn) | 0;
  }

  update(buf: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    const len = buf.length;
    let i = 0;
    const end8 = len - (len & 7);
    const tHi = TABLE_HI;
    const tLo = TABLE_LO;
    while (i < end8) {
      lo ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      hi ^= buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
      const a = 1792 + (lo & 0xff);
      const b = 1536 + ((lo >>> 8) & 0xff);
      const c = 1280 + ((lo >>> 16) & 0xff);
      const d = 1024 + (lo >>> 24);
      const e = 768 + (hi & 0xff);
      const f = 512 + ((hi >>> 8) & 0xff);
      const g = 256 + ((hi >>> 16) & 0xff);
      const h = hi >>> 24;
      lo = tLo[a]! ^ tLo[b]! ^ tLo[c]! ^ tLo[d]! ^ tLo[e]! ^ tLo[f]! ^ tLo[g]! ^ tLo[h]!;
      hi = tHi[a]! ^ tHi[b]! ^ tHi[c]! ^ tHi[d]! ^ tHi[e]! ^ tHi[f]! ^ tHi[g]! ^ tHi[h]!;
      i += 8;
    }
    while (i < len) {
      const idx = (lo ^ buf[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tLo[idx]!;
      hi = (hi >>> 8) ^ tHi[idx]!;
      i++;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  digest(): bigint {
    return (BigInt(~this.hi >>> 0) << 32n) | BigInt(~this.lo >>> 0);
  }

  /** Decimal, the form OSS and COS put in their `hash-crc64ecma` headers. */
  digestDecimal(): string {
    return this.digest().toString();
  }
}

/** CRC-64/XZ of `buf` as a decimal string. */
export function crc64(buf: Uint8Array): string {
  return new Crc64().update(buf).digestDecimal();
}

// --- combine ---------------------------------------------------------------
// zlib's crc32_combine (1.2.12+) for 64 bits: in GF(2)[x] modulo the CRC
// polynomial, crc(A‖B) = crc(A)·x^(8·|B|) + crc(B) (the ~0 init/xorout cancel
// out). x^(8·len) is built from a table of x^(2^k), so a combine costs about
// log2(len) polynomial products instead of zlib's older 64×64 matrix squarings.
// Polynomials are reflected: the x^0 coefficient is the top bit.

const X0_HI = 0x80000000 | 0;

/** a·b mod P, for reflected 64-bit polynomials as int32 halves. */
function multModP(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  let pHi = 0;
  let pLo = 0;
  for (let bit = 63; bit >= 0; bit--) {
    const set = bit >= 32 ? (aHi >>> (bit - 32)) & 1 : (aLo >>> bit) & 1;
    if (set) {
      pHi ^= bHi;
      pLo ^= bLo;
    }
    // b *= x
    const carry = bLo & 1;
    bLo = (bLo >>> 1) | (bHi << 31);
    bHi = bHi >>> 1;
    if (carry) {
      bHi ^= POLY_HI;
      bLo ^= POLY_LO;
    }
  }
  return [pHi | 0, pLo | 0];
}

// X2N[k] = x^(2^k) mod P. 64 entries: x^(2^k) repeats with a period that divides
// the multiplicative order of x, so wrapping k keeps the result exact (zlib does
// the same with 32 entries for CRC-32).
const X2N_HI = new Int32Array(64);
const X2N_LO = new Int32Array(64);
{
  let hi = 0x40000000 | 0; // x^1
  let lo = 0;
  for (let k = 0; k < 64; k++) {
    X2N_HI[k] = hi;
    X2N_LO[k] = lo;
    [hi, lo] = multModP(hi, lo, hi, lo);
  }
}

/**
 * CRC of A‖B from crc(A), crc(B) and |B| in bytes, so parts hashed in
 * parallel (multipart upload, ranged reads) yield the whole object's CRC.
 */
export function crc64Combine(crc1: bigint, crc2: bigint, len2: number): bigint {
  if (!Number.isSafeInteger(len2) || len2 < 0) {
    throw new FerryError('INVALID_ARGUMENT', `crc64Combine: len2 must be a non-negative integer, got ${len2}`);
  }
  if (len2 === 0) return crc1 & MASK64;
  // x^(8·len2): start at k = 3 because each byte is x^8.
  let pHi = X0_HI;
  let pLo = 0;
  let n = len2;
  let k = 3;
  while (n > 0) {
    if (n % 2 === 1) [pHi, pLo] = multModP(X2N_HI[k & 63]!, X2N_LO[k & 63]!, pHi, pLo);
    n = Math.floor(n / 2);
    k++;
  }
  const c1 = crc1 & MASK64;
  const [rHi, rLo] = multModP(pHi, pLo, Number(c1 >> 32n) | 0, Number(c1 & 0xffffffffn) | 0);
  const combined = (BigInt(rHi >>> 0) << 32n) | BigInt(rLo >>> 0);
  return (combined ^ crc2) & MASK64;
}
