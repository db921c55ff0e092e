import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

/** A running checksum of a request body, as S3's `x-amz-checksum-*` headers and trailers carry it (base64 of the digest). */
export interface BodyChecksum {
  update(chunk: Uint8Array): void;
  base64(): string;
}

/** A checksum for a trailer header name (`x-amz-checksum-crc32`), or undefined for one the mirror cannot check. */
export function checksumFor(trailerName: string): BodyChecksum | undefined {
  switch (trailerName.toLowerCase()) {
    case 'x-amz-checksum-crc32':
      return new Crc32Checksum(crc32Update);
    case 'x-amz-checksum-crc32c':
      return new Crc32Checksum(crc32cUpdate);
    case 'x-amz-checksum-sha1':
      return hashChecksum('sha1');
    case 'x-amz-checksum-sha256':
      return hashChecksum('sha256');
    default:
      return undefined;
  }
}

function hashChecksum(algorithm: string): BodyChecksum {
  const hash = createHash(algorithm);
  return { update: (chunk) => void hash.update(chunk), base64: () => hash.digest('base64') };
}

class Crc32Checksum implements BodyChecksum {
  private crc = 0;
  constructor(private readonly step: (crc: number, chunk: Uint8Array) => number) {}
  update(chunk: Uint8Array): void {
    this.crc = this.step(this.crc, chunk);
  }
  base64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.crc >>> 0);
    return out.toString('base64');
  }
}

function table(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

let crc32Table: Uint32Array | undefined;
let crc32cTable: Uint32Array | undefined;

function tableUpdate(t: Uint32Array, crc: number, chunk: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < chunk.length; i++) c = (t[(c ^ (chunk[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** zlib's CRC-32 where node has it (20.15+), a table otherwise. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function crc32Update(crc: number, chunk: Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(chunk, crc);
  crc32Table ??= table(0xedb88320);
  return tableUpdate(crc32Table, crc, chunk);
}

/** CRC-32C (Castagnoli), which node does not offer. */
export function crc32cUpdate(crc: number, chunk: Uint8Array): number {
  crc32cTable ??= table(0x82f63b78);
  return tableUpdate(crc32cTable, crc, chunk);
}
