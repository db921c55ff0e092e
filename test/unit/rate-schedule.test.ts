import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../src/core/errors.js';
import { formatRateSchedule, parseRateSchedule, RateSchedule, type RateKind, type RateSlot } from '../../src/engine/throttle/index.js';

const MiB = 1024 * 1024;

/** Local time on an arbitrary day; rateAt reads local time by default. */
function at(hours: number, minutes = 0, seconds = 0, ms = 0): Date {
  return new Date(2024, 4, 17, hours, minutes, seconds, ms);
}

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('USAGE');
    expect((err as FerryError).field).toBe('--bwlimit');
    return (err as FerryError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseRateSchedule: flat limits', () => {
  it('reads byte rates with parseRate', () => {
    const s = parseRateSchedule('10M', '--bwlimit', 'bytes');
    expect(s.slots).toEqual([{ start: 0, rate: 10 * MiB }]);
    expect(s.rateAt(at(3))).toBe(10 * MiB);
    expect(parseRateSchedule('100Mbit/s', 'f', 'bytes').rateAt(at(12))).toBe(12_500_000);
  });

  it('reads objects per second as plain numbers', () => {
    expect(parseRateSchedule('200', 'f', 'objects').rateAt(at(9))).toBe(200);
    expect(parseRateSchedule('0.5', 'f', 'objects').rateAt(at(9))).toBe(0.5);
    expect(parseRateSchedule(' 50/s ', 'f', 'objects').rateAt(at(9))).toBe(50);
  });

  it('reads off as no limit', () => {
    expect(parseRateSchedule('off', 'f', 'bytes').rateAt(at(9))).toBeUndefined();
    expect(parseRateSchedule('OFF', 'f', 'objects').rateAt(at(9))).toBeUndefined();
  });

  it('refuses zero, pointing at off', () => {
    for (const text of ['0', '0M', '0.0MB/s', '.0']) {
      expect(usageMessage(() => parseRateSchedule(text, '--bwlimit', 'bytes'))).toMatch(/0 would stop the run; write "off"/);
    }
    expect(() => parseRateSchedule('0', 'f', 'objects')).toThrow(/write "off"/);
  });

  it('refuses empty text and units on objects', () => {
    expect(usageMessage(() => parseRateSchedule('  ', '--bwlimit', 'bytes'))).toMatch(/is empty/);
    expect(() => parseRateSchedule('10k', 'f', 'objects')).toThrow(/objects per second/);
    expect(() => parseRateSchedule('-5', 'f', 'objects')).toThrow(/objects per second/);
  });
});

describe('parseRateSchedule: time-of-day tables', () => {
  const table = parseRateSchedule('00:00,100M 08:00,10M 20:00,100M', '--bwlimit', 'bytes');

  it('reads entries separated by spaces or semicolons', () => {
    expect(table.slots).toEqual([
      { start: 0, rate: 100 * MiB },
      { start: 480, rate: 10 * MiB },
      { start: 1200, rate: 100 * MiB },
    ]);
    const same = parseRateSchedule(' 0:00,100M;08:00, 10M ;  20:00 ,100M ', '--bwlimit', 'bytes');
    expect(same.slots).toEqual(table.slots);
  });

  it('changes rate exactly at the boundaries', () => {
    expect(table.rateAt(at(7, 59, 59, 999))).toBe(100 * MiB);
    expect(table.rateAt(at(8, 0))).toBe(10 * MiB);
    expect(table.rateAt(at(19, 59, 59))).toBe(10 * MiB);
    expect(table.rateAt(at(20, 0))).toBe(100 * MiB);
    expect(table.rateAt(at(23, 59, 59, 999))).toBe(100 * MiB);
    expect(table.rateAt(at(0, 0))).toBe(100 * MiB);
  });

  it('before the first entry, the last entry still holds (across midnight)', () => {
    const s = parseRateSchedule('08:00,10M 20:00,off', '--bwlimit', 'bytes');
    expect(s.rateAt(at(7, 59))).toBeUndefined();
    expect(s.rateAt(at(0, 0))).toBeUndefined();
    expect(s.rateAt(at(8, 0))).toBe(10 * MiB);
    expect(s.rateAt(at(23, 30))).toBeUndefined();
    const single = parseRateSchedule('09:30,5', 'f', 'objects');
    expect([at(0), at(9, 29), at(9, 30), at(23, 59)].map((d) => single.rateAt(d))).toEqual([5, 5, 5, 5]);
  });

  it('reads the time of day in a given zone', () => {
    const s = parseRateSchedule('00:00,1M 08:00,2M', 'f', 'bytes');
    // 01:00 UTC is 09:00 in Shanghai (no DST there).
    const instant = new Date(Date.UTC(2024, 0, 1, 1, 0));
    expect(s.rateAt(instant, 'Asia/Shanghai')).toBe(2 * MiB);
    expect(s.rateAt(instant, 'UTC')).toBe(1 * MiB);
    expect(() => s.rateAt(instant, 'Not/AZone')).toThrow(RangeError);
  });

  it('names the bad entry in errors', () => {
    const rate = usageMessage(() => parseRateSchedule('00:00,100M 08:00,10X', '--bwlimit', 'bytes'));
    expect(rate).toMatch(/^--bwlimit: entry 2 "08:00,10X": cannot read "10X" as a rate/);
    expect(usageMessage(() => parseRateSchedule('00:00,1M 24:00,2M', '--bwlimit', 'bytes'))).toMatch(
      /entry 2 "24:00,2M": "24:00" is not a time of day/,
    );
    expect(usageMessage(() => parseRateSchedule('8:60,1M', '--bwlimit', 'bytes'))).toMatch(/entry 1 "8:60,1M"/);
    expect(usageMessage(() => parseRateSchedule('08:00,1M 07:00,2M', '--bwlimit', 'bytes'))).toMatch(
      /entry 2 "07:00,2M": 07:00 is not after the previous entry's 08:00/,
    );
    expect(usageMessage(() => parseRateSchedule('08:00,1M 08:00,2M', '--bwlimit', 'bytes'))).toMatch(/entry 2 .*not after/);
    expect(usageMessage(() => parseRateSchedule('08:00,1M 20:00', '--bwlimit', 'bytes'))).toMatch(/entry 2 "20:00": expected HH:MM,RATE/);
    expect(usageMessage(() => parseRateSchedule('08:00,1M,2M', '--bwlimit', 'bytes'))).toMatch(/entry 1 "08:00,1M,2M": expected HH:MM,RATE/);
    expect(usageMessage(() => parseRateSchedule('08:00,0', '--bwlimit', 'bytes'))).toMatch(/entry 1 "08:00,0": a rate of 0/);
  });
});

describe('formatRateSchedule', () => {
  it('writes flat limits and tables in the largest exact binary unit', () => {
    expect(formatRateSchedule(parseRateSchedule('10MiB/s', 'f', 'bytes'))).toBe('10M');
    expect(formatRateSchedule(parseRateSchedule('1000', 'f', 'bytes'))).toBe('1000');
    expect(formatRateSchedule(parseRateSchedule('off', 'f', 'bytes'))).toBe('off');
    expect(String(parseRateSchedule('0:00,1G;8:00,1536K 20:00,off', 'f', 'bytes'))).toBe('00:00,1G 08:00,1536K 20:00,off');
    expect(formatRateSchedule(parseRateSchedule('07:05,0.5', 'f', 'objects'))).toBe('07:05,0.5');
  });
});

describe('rate schedules, property-based', () => {
  const kind = fc.constantFrom<RateKind>('bytes', 'objects');
  const rateOf = (k: RateKind): fc.Arbitrary<number | undefined> =>
    fc.option(
      k === 'bytes' ? fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) : fc.double({ min: 1e-6, max: 1e12, noNaN: true, noDefaultInfinity: true }),
      { nil: undefined },
    );
  const schedule = kind.chain((k) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: 24 * 60 - 1 }), { minLength: 1, maxLength: 12 })
      .chain((starts) => {
        const sorted = [...starts].sort((a, b) => a - b);
        return fc
          .array(rateOf(k), { minLength: sorted.length, maxLength: sorted.length })
          .map((rates) => sorted.map((start, i): RateSlot => ({ start, rate: rates[i] })));
      })
      .map((slots) => new RateSchedule(k, slots)),
  );

  it('any valid table round-trips through format and parse', () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const back = parseRateSchedule(formatRateSchedule(s), 'f', s.kind);
        expect(back.slots).toEqual(s.slots);
      }),
    );
  });

  it('rateAt always returns one of the table\'s rates, the one whose slot holds', () => {
    fc.assert(
      fc.property(schedule, fc.integer({ min: 0, max: 24 * 60 - 1 }), fc.integer({ min: 0, max: 59_999 }), (s, minute, ms) => {
        const rate = s.rateAt(at(Math.floor(minute / 60), minute % 60, 0, ms));
        expect(s.slots.map((slot) => slot.rate)).toContain(rate);
        const holding = [...s.slots].reverse().find((slot) => slot.start <= minute) ?? s.slots[s.slots.length - 1]!;
        expect(rate).toBe(holding.rate);
      }),
    );
  });

  it('parses tables written with any mix of separators', () => {
    const separator = fc.constantFrom(' ', ';', '; ', '  ', ' ;');
    fc.assert(
      fc.property(schedule, fc.array(separator, { minLength: 12, maxLength: 12 }), (s, seps) => {
        const text = s.slots.map((slot, i) => `${seps[i]}${Math.floor(slot.start / 60)}:${String(slot.start % 60).padStart(2, '0')} , ${slot.rate === undefined ? 'off' : slot.rate}`).join('');
        expect(parseRateSchedule(text, 'f', s.kind).slots).toEqual(s.slots);
      }),
    );
  });
});
