import { FerryError } from '../../core/index.js';
import { isPlainMd5 } from '../hashing/index.js';

/** A check that could be made and failed: retried (the next attempt may be clean), then reported. */
export function verifyFailed(key: string, what: string, expected: string | number, actual: string | number): FerryError {
  return new FerryError('VERIFY_FAILED', `${JSON.stringify(key)}: ${what} mismatch (expected ${expected}, got ${actual})`, {
    retryable: true,
  });
}

/**
 * Checks what Ferry hashed on the way against what the listing promised and
 * what the destination reports, and returns the names of the checks made.
 * Only comparable values are compared: an ETag that is not a content MD5
 * (multipart, Kodo, encrypted) says nothing about the bytes.
 */
export function verifyStreamed(input: {
  key: string;
  expectedSize: number;
  bytes: number;
  md5Hex: string;
  crc64?: string | undefined;
  srcEtag?: string | undefined;
  srcEtagIsMd5: boolean;
  dstEtag?: string | undefined;
  dstEtagIsMd5: boolean;
  dstMd5?: string | undefined;
  dstCrc64?: string | undefined;
}): string[] {
  const checks = ['size'];
  const { key } = input;
  if (input.bytes !== input.expectedSize) throw verifyFailed(key, 'size', input.expectedSize, input.bytes);
  if (input.srcEtagIsMd5 && isPlainMd5(input.srcEtag)) {
    if (input.srcEtag !== input.md5Hex) {
      throw new FerryError('SOURCE_CHANGED', `${JSON.stringify(key)}: bytes read do not match the source ETag (changed or corrupted in transit)`, { retryable: true });
    }
    checks.push('src-md5');
  }
  if (input.dstMd5 !== undefined) {
    if (input.dstMd5 !== input.md5Hex) throw verifyFailed(key, 'stored MD5', input.md5Hex, input.dstMd5);
    checks.push('md5');
  } else if (input.dstEtagIsMd5 && isPlainMd5(input.dstEtag)) {
    if (input.dstEtag !== input.md5Hex) throw verifyFailed(key, 'destination ETag', input.md5Hex, input.dstEtag ?? '');
    checks.push('md5');
  }
  if (input.crc64 !== undefined && input.dstCrc64 !== undefined) {
    if (input.crc64 !== input.dstCrc64) throw verifyFailed(key, 'CRC64', input.crc64, input.dstCrc64);
    checks.push('crc64');
  }
  return checks;
}
