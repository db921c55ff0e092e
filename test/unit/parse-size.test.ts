import { describe, expect, it } from 'vitest';
import { ferryErrorOf } from '../helpers/ferry-error-of.js';
import { formatBytes, parseRate, parseSize } from '../../src/util/index.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

const errorOf = ferryErrorOf;

describe('parseSize', () => {
  it('reads bare numbers as bytes', () => {
    expect(parseSize('1048576')).toBe(1_048_576);
    expect(parseSize('0')).toBe(0);
    expect(parseSize('5B')).toBe(5);
  });

  it('reads binary units in every spelling', () => {
    expect(parseSize('100k')).toBe(100 * KiB);
    expect(parseSize('100K')).toBe(100 * KiB);
    expect(parseSize('100KB')).toBe(100 * KiB);
    expect(parseSize('100KiB')).toBe(100 * KiB);
    expect(parseSize('64M')).toBe(64 * MiB);
    expect(parseSize('10MB')).toBe(10 * MiB);
    expect(parseSize('10mb')).toBe(10 * MiB);
    expect(parseSize('10MiB')).toBe(10 * MiB);
    expect(parseSize('1.5GiB')).toBe(1_610_612_736);
    expect(parseSize('2 TiB')).toBe(2 * TiB);
    expect(parseSize('1P')).toBe(1024 ** 5);
    expect(parseSize('.5G')).toBe(GiB / 2);
  });

  it('rounds fractional bytes down', () => {
    expect(parseSize('0.1k')).toBe(102);
    expect(parseSize('1.5')).toBe(1);
  });

  it('refuses junk, negatives and sizes beyond 2^53', () => {
    for (const bad of ['', 'abc', '-1', '1e3', '10Ki', '10 X', '10MiBs', 'M', '1,5G', '8P']) {
      const err = errorOf(() => parseSize(bad, '--chunk-size'));
      expect(err.code, bad).toBe('USAGE');
      expect(err.field).toBe('--chunk-size');
    }
  });
});

describe('parseRate', () => {
  it('reads byte rates with binary units', () => {
    expect(parseRate('10M')).toBe(10 * MiB);
    expect(parseRate('10M/s')).toBe(10 * MiB);
    expect(parseRate('5MB/s')).toBe(5 * MiB);
    expect(parseRate('5MiB/s')).toBe(5 * MiB);
    expect(parseRate('5MBps')).toBe(5 * MiB);
    expect(parseRate('512k')).toBe(512 * KiB);
    expect(parseRate('1000')).toBe(1000);
    expect(parseRate('1.5G')).toBe(1.5 * GiB);
  });

  it('reads bit rates with decimal units, divided by 8', () => {
    expect(parseRate('100Mbit/s')).toBe(12_500_000);
    expect(parseRate('200Mbit')).toBe(25_000_000);
    expect(parseRate('100Mbps')).toBe(12_500_000);
    expect(parseRate('100mbits/s')).toBe(12_500_000);
    expect(parseRate('1Gbit/s')).toBe(125_000_000);
    expect(parseRate('1kbit')).toBe(125);
    expect(parseRate('8Mibit')).toBe(MiB);
    expect(parseRate('800bit/s')).toBe(100);
  });

  it('refuses a lone lower-case b as ambiguous', () => {
    for (const bad of ['100Mb', '100Mb/s', '100b']) {
      expect(errorOf(() => parseRate(bad)).message, bad).toMatch(/bits or bytes/);
    }
  });

  it('refuses zero, sub-byte rates and junk', () => {
    for (const bad of ['0', '0M', '1bit', '', 'fast', '-1M', '10Mi', '10 M/s/s', '10Mbit/sps', '5Mps']) {
      const err = errorOf(() => parseRate(bad, '--bwlimit'));
      expect(err.code, bad).toBe('USAGE');
      expect(err.field).toBe('--bwlimit');
    }
  });
});

describe('formatBytes', () => {
  it('prints bytes below 1 KiB as integers', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });

  it('prints larger sizes with binary units and two decimals', () => {
    expect(formatBytes(1024)).toBe('1.00 KiB');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(1.5 * GiB)).toBe('1.50 GiB');
    expect(formatBytes(64 * MiB)).toBe('64.00 MiB');
    expect(formatBytes(3 * TiB)).toBe('3.00 TiB');
    expect(formatBytes(2 ** 60)).toBe('1.00 EiB');
  });

  it('moves up a unit rather than print 1024.00', () => {
    expect(formatBytes(MiB - 1)).toBe('1.00 MiB');
  });

  it('keeps the sign', () => {
    expect(formatBytes(-2048)).toBe('-2.00 KiB');
  });

  it('round-trips with parseSize', () => {
    expect(formatBytes(parseSize('1.5GiB'))).toBe('1.50 GiB');
  });
});
