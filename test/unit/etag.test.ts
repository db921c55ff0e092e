import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isMultipartEtag,
  isPlainMd5,
  multipartEtag,
  multipartEtagParts,
  normalizeEtag,
} from '../../src/engine/hashing/index.js';
import { FerryError } from '../../src/core/errors.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('multipartEtag', () => {
  const part1 = Buffer.alloc(5 * 1024 * 1024, 'a');
  const part2 = Buffer.from('hello');

  it('reproduces the S3 ETag of a two-part upload', () => {
    // Value computed with Python's hashlib: md5(md5(p1) + md5(p2)) + "-2".
    expect(md5(part1)).toBe('79b281060d337b9b2b84ccf390adcf74');
    expect(md5(part2)).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(multipartEtag([md5(part1), md5(part2)])).toBe('7cbb08aa3c3309d6882c18fcecc4bee7-2');
  });

  it('accepts upper-case part MD5s (OSS/COS print them so)', () => {
    expect(multipartEtag([md5(part1).toUpperCase(), md5(part2)])).toBe('7cbb08aa3c3309d6882c18fcecc4bee7-2');
  });

  it('hashes the binary digests, not their hex text', () => {
    const single = md5(part2);
    expect(multipartEtag([single])).toBe(`${md5(Buffer.from(single, 'hex'))}-1`);
    expect(multipartEtag([single])).not.toBe(`${md5(Buffer.from(single))}-1`);
  });

  it('refuses no parts and malformed MD5s', () => {
    expect(() => multipartEtag([])).toThrow(FerryError);
    expect(() => multipartEtag(['abc'])).toThrow(/part 1/);
    expect(() => multipartEtag([md5(part1), `"${md5(part2)}"`])).toThrow(/part 2/);
  });
});

describe('normalizeEtag', () => {
  it('strips quotes and weak prefixes and lower-cases', () => {
    expect(normalizeEtag('"5D41402ABC4B2A76B9719D911017C592"')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(normalizeEtag('W/"abc-2"')).toBe('abc-2');
    expect(normalizeEtag('  "abc"  ')).toBe('abc');
    expect(normalizeEtag('&quot;abc&quot;')).toBe('abc');
    expect(normalizeEtag('abc')).toBe('abc');
  });

  it('gives undefined for missing or empty ETags', () => {
    expect(normalizeEtag(undefined)).toBeUndefined();
    expect(normalizeEtag('')).toBeUndefined();
    expect(normalizeEtag('""')).toBeUndefined();
  });
});

describe('ETag shapes', () => {
  const plain = '5d41402abc4b2a76b9719d911017c592';

  it('tells multipart ETags apart', () => {
    expect(isMultipartEtag('"7cbb08aa3c3309d6882c18fcecc4bee7-2"')).toBe(true);
    expect(isMultipartEtag('7CBB08AA3C3309D6882C18FCECC4BEE7-10000')).toBe(true);
    expect(isMultipartEtag(plain)).toBe(false);
    expect(isMultipartEtag(`${plain}-0`)).toBe(false);
    expect(isMultipartEtag(`${plain}-`)).toBe(false);
    expect(isMultipartEtag(undefined)).toBe(false);
    expect(multipartEtagParts('"7cbb08aa3c3309d6882c18fcecc4bee7-12"')).toBe(12);
    expect(multipartEtagParts(plain)).toBeUndefined();
  });

  it('tells plain MD5s apart', () => {
    expect(isPlainMd5(plain)).toBe(true);
    expect(isPlainMd5(`"${plain.toUpperCase()}"`)).toBe(true);
    expect(isPlainMd5(`${plain}-2`)).toBe(false);
    expect(isPlainMd5(plain.slice(1))).toBe(false);
    expect(isPlainMd5(`${plain.slice(1)}g`)).toBe(false);
    expect(isPlainMd5(undefined)).toBe(false);
  });
});
