import { describe, expect, it } from 'vitest';
import { ferryErrorOf } from '../helpers/ferry-error-of.js';
import { parseDuration, parseSince } from '../../src/util/index.js';

const usageErrorOf = ferryErrorOf;

describe('parseSince', () => {
  it('reads unix seconds and milliseconds by digit count', () => {
    expect(parseSince('1700000000')).toBe(1_700_000_000_000);
    expect(parseSince('0')).toBe(0);
    expect(parseSince('99999999999')).toBe(99_999_999_999_000); // 11 digits: still seconds
    expect(parseSince('100000000000')).toBe(100_000_000_000); // 12 digits: ms
    expect(parseSince('1700000000123')).toBe(1_700_000_000_123);
    expect(parseSince(' 1700000000 ')).toBe(1_700_000_000_000);
  });

  it('reads ISO-8601 dates as UTC midnight', () => {
    expect(parseSince('2024-01-02')).toBe(1_704_153_600_000);
    expect(parseSince('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });

  it('reads ISO-8601 date-times with Z and offsets', () => {
    expect(parseSince('2024-01-02T03:04:05Z')).toBe(1_704_164_645_000);
    expect(parseSince('2024-01-02t03:04:05z')).toBe(1_704_164_645_000);
    expect(parseSince('2024-01-02T03:04:05.123Z')).toBe(1_704_164_645_123);
    expect(parseSince('2024-01-02T03:04:05.123456789Z')).toBe(1_704_164_645_123);
    expect(parseSince('2024-01-02T11:04:05+08:00')).toBe(1_704_164_645_000);
    expect(parseSince('2024-01-02T11:04:05+0800')).toBe(1_704_164_645_000);
    expect(parseSince('2024-01-02T11:04:05+08')).toBe(1_704_164_645_000);
    expect(parseSince('2024-01-01T21:34:05-05:30')).toBe(1_704_164_645_000);
    expect(parseSince('2024-01-02T03:04Z')).toBe(1_704_164_640_000);
  });

  it('reads a date-time without a zone as UTC, whatever the local zone', () => {
    expect(parseSince('2024-01-02T03:04:05')).toBe(1_704_164_645_000);
    expect(parseSince('2024-01-02 03:04:05')).toBe(1_704_164_645_000);
  });

  it('handles years below 100 without the Date.UTC 19xx mapping', () => {
    expect(new Date(parseSince('0050-06-01')).getUTCFullYear()).toBe(50);
  });

  it('refuses anything else with a usage error naming the field and the accepted forms', () => {
    for (const bad of [
      '',
      'yesterday',
      '7d',
      '-5',
      '1.5',
      '123456789012345',
      '2024-1-2',
      '2024-13-01',
      '2024-00-10',
      '2023-02-29',
      '2024-04-31',
      '2024-01-02T24:00:00Z',
      '2024-01-02T23:60:00Z',
      '2024-01-02T23:59:60Z',
      '2024-01-02T03:04:05+24:00',
      '2024-01-02T03:04:05 UTC',
      '2024-01-02Z',
      'Tue, 02 Jan 2024 03:04:05 GMT',
    ]) {
      const err = usageErrorOf(() => parseSince(bad));
      expect(err.code, bad).toBe('USAGE');
      expect(err.field).toBe('--since');
      expect(err.message).toMatch(/unix seconds.*ISO-8601/);
    }
    expect(usageErrorOf(() => parseSince('soon', '--until')).field).toBe('--until');
  });
});

describe('parseDuration', () => {
  it('reads single units', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('0')).toBe(0);
  });

  it('reads compound and fractional durations', () => {
    expect(parseDuration('1d12h')).toBe(129_600_000);
    expect(parseDuration('1h30m15s')).toBe(5_415_000);
    expect(parseDuration('1m500ms')).toBe(60_500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('0.5s')).toBe(500);
  });

  it('refuses bare numbers, unknown or upper-case units and junk', () => {
    for (const bad of ['', '10', '1M', '1H', '1y', '1h 30m', 'h', '-1h', '1.h', 'abc', '1h!']) {
      const err = usageErrorOf(() => parseDuration(bad, '--max-age'));
      expect(err.code, bad).toBe('USAGE');
      expect(err.field).toBe('--max-age');
    }
  });
});
