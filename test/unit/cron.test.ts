import { describe, expect, it } from 'vitest';
import { nextCronTime, parseCron } from '../../src/jobs/cron.js';

const local = (y: number, mo: number, d: number, h = 0, mi = 0): number => new Date(y, mo - 1, d, h, mi).getTime();

describe('cron', () => {
  it('finds the next matching minute', () => {
    expect(nextCronTime(parseCron('*/15 * * * *'), local(2026, 1, 1, 10, 7))).toBe(local(2026, 1, 1, 10, 15));
    expect(nextCronTime(parseCron('0 2 * * *'), local(2026, 1, 1, 2, 0))).toBe(local(2026, 1, 2, 2, 0));
    expect(nextCronTime(parseCron('30 1 1 * *'), local(2026, 1, 15))).toBe(local(2026, 2, 1, 1, 30));
    expect(nextCronTime(parseCron('0 0 * * mon'), local(2026, 11, 21))).toBe(local(2026, 11, 23));
    expect(nextCronTime(parseCron('0 0 29 2 *'), local(2026, 3, 1))).toBe(local(2028, 2, 29));
  });
  it('uses OR for day-of-month and day-of-week when both are set (Vixie cron)', () => {
    // The 1st of the month or any Friday: from Sat 2026-11-21 the next is Fri 11-27.
    expect(nextCronTime(parseCron('0 12 1 * 5'), local(2026, 11, 21))).toBe(local(2026, 11, 27, 12));
  });
  it('refuses bad expressions naming the field', () => {
    expect(() => parseCron('* * * *')).toThrow(/--cron: must have 5 fields/);
    expect(() => parseCron('61 * * * *')).toThrow(/minute "61"/);
    expect(() => parseCron('* * * * */0')).toThrow(/step/);
    expect(() => parseCron('5-1 * * * *')).toThrow(/backwards/);
  });
});
