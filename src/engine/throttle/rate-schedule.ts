/**
 * A limit that may change with the time of day, as in Data Online
 * Migration's throttle and rclone's `--bwlimit` timetable:
 *
 *     10M                               flat: 10 MiB/s all day
 *     00:00,100M 08:00,10M 20:00,100M   100 MiB/s at night, 10 MiB/s by day
 *     08:00,10M; 20:00,off              10 MiB/s by day, no limit at night
 *
 * Each entry's rate holds from its time until the next entry's. The table
 * repeats every day, so before the first entry the LAST entry's rate is in
 * force (it started the evening before): in the third example 02:00 is
 * unlimited, not 10 MiB/s. That is what a daily timetable means; the other
 * reading would stretch a daytime limit back to midnight.
 *
 * `off` is no limit for that slot. `0` is refused: it would stall the run,
 * and people write it for "no limit" as often as for "pause".
 */
import { usageError } from '../../core/errors.js';
import { parseRate } from '../../util/parse-size.js';

/** What a schedule counts: bytes per second or objects per second. */
export type RateKind = 'bytes' | 'objects';

export interface RateSlot {
  /** Minutes after midnight (0–1439) at which this rate starts. */
  readonly start: number;
  /** Units per second; undefined is no limit. */
  readonly rate: number | undefined;
}

const MINUTES_PER_DAY = 24 * 60;

export class RateSchedule {
  /** @param slots at least one, `start` strictly increasing within 0–1439. */
  constructor(
    readonly kind: RateKind,
    readonly slots: readonly RateSlot[],
  ) {
    if (slots.length === 0) throw new RangeError('a rate schedule needs at least one slot');
    slots.forEach((slot, i) => {
      const previous = slots[i - 1];
      const inDay = Number.isInteger(slot.start) && slot.start >= 0 && slot.start < MINUTES_PER_DAY;
      if (!inDay || (previous !== undefined && slot.start <= previous.start)) {
        throw new RangeError(`rate schedule slot ${i} starts at ${slot.start}; starts must increase within 0–1439`);
      }
      if (slot.rate !== undefined && !(slot.rate > 0 && Number.isFinite(slot.rate))) {
        throw new RangeError(`rate schedule slot ${i} has rate ${slot.rate}; rates are positive (undefined for no limit)`);
      }
    });
  }

  /**
   * The limit in force at `date`, undefined for none. Times of day are the
   * machine's local time (so the `TZ` environment variable applies) unless
   * `timeZone`, an IANA name such as `Asia/Shanghai`, is given; an unknown
   * name throws a RangeError.
   */
  rateAt(date: Date, timeZone?: string): number | undefined {
    const minute = minuteOfDay(date, timeZone);
    // Before the first entry, yesterday's last entry still holds.
    let current = this.slots[this.slots.length - 1]!;
    for (const slot of this.slots) {
      if (slot.start > minute) break;
      current = slot;
    }
    return current.rate;
  }

  /** The same text `parseRateSchedule` reads back. */
  toString(): string {
    return formatRateSchedule(this);
  }
}

/** Parses a flat limit or a time-of-day table; errors name `field` and the bad entry. */
export function parseRateSchedule(text: string, field: string, kind: RateKind): RateSchedule {
  const trimmed = text.trim();
  if (trimmed === '') throw usageError(field, `is empty; expected a rate such as ${example(kind)} or a table such as "00:00,${example(kind)} 08:00,off"`);
  // Neither ',' nor ':' occurs in a rate, so either one marks a table.
  if (!/[,:]/.test(trimmed)) return new RateSchedule(kind, [{ start: 0, rate: parseSlotRate(trimmed, field, kind, undefined) }]);

  // "08:00, 10M" would otherwise split into two entries at the space.
  const entries = trimmed.replace(/\s*,\s*/g, ',').split(/[\s;]+/).filter((e) => e !== '');
  const slots: RateSlot[] = [];
  entries.forEach((entry, i) => {
    const at = `entry ${i + 1} ${JSON.stringify(entry)}`;
    const m = /^([^,]*),([^,]*)$/.exec(entry);
    if (!m) throw usageError(field, `${at}: expected HH:MM,RATE (entries are separated by spaces or ";")`);
    const start = parseTimeOfDay(m[1]!);
    if (start === undefined) throw usageError(field, `${at}: ${JSON.stringify(m[1])} is not a time of day; expected HH:MM from 00:00 to 23:59`);
    const previous = slots[slots.length - 1];
    if (previous !== undefined && start <= previous.start) {
      throw usageError(field, `${at}: ${formatTimeOfDay(start)} is not after the previous entry's ${formatTimeOfDay(previous.start)}; list entries in time order`);
    }
    slots.push({ start, rate: parseSlotRate(m[2]!, field, kind, at) });
  });
  return new RateSchedule(kind, slots);
}

/** `10M`, or `00:00,100M 08:00,10M 20:00,off`; rates in the largest exact binary unit. */
export function formatRateSchedule(schedule: RateSchedule): string {
  const { slots, kind } = schedule;
  const only = slots[0]!;
  if (slots.length === 1 && only.start === 0) return formatRate(only.rate, kind);
  return slots.map((s) => `${formatTimeOfDay(s.start)},${formatRate(s.rate, kind)}`).join(' ');
}

// A zero amount, in any unit: "0", "0M", "0.0MB/s", ".0".
const ZERO = /^(?:0+(?:\.0*)?|\.0+)(?![\d.])/;
// String(n) of any positive finite number reads back, exponent included.
const OBJECT_RATE = /^(\d+(?:\.\d*)?|\.\d+)(e[+-]?\d+)?(\/s)?$/i;

function parseSlotRate(text: string, field: string, kind: RateKind, at: string | undefined): number | undefined {
  const where = at === undefined ? '' : `${at}: `;
  if (text.toLowerCase() === 'off') return undefined;
  if (ZERO.test(text)) throw usageError(field, `${where}a rate of 0 would stop the run; write "off" for no limit`);
  if (kind === 'objects') {
    const value = OBJECT_RATE.test(text) ? Number(text.replace(/\/s$/i, '')) : NaN;
    if (!(value > 0 && Number.isFinite(value))) {
      throw usageError(field, `${where}cannot read ${JSON.stringify(text)} as objects per second; expected a number such as 200 or 0.5, or "off"`);
    }
    return value;
  }
  try {
    return parseRate(text, field);
  } catch (err) {
    if (at === undefined || !(err instanceof Error)) throw err;
    // Re-worded so the message names the entry, not just the field.
    const prefix = `${field}: `;
    const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    throw usageError(field, `${where}${reason}`);
  }
}

function formatRate(rate: number | undefined, kind: RateKind): string {
  if (rate === undefined) return 'off';
  if (kind === 'objects') return String(rate);
  for (const [unit, size] of BYTE_UNITS) {
    if (rate % size === 0) return `${rate / size}${unit}`;
  }
  return String(rate);
}

const BYTE_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['P', 1024 ** 5],
  ['T', 1024 ** 4],
  ['G', 1024 ** 3],
  ['M', 1024 ** 2],
  ['K', 1024],
];

function parseTimeOfDay(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

function formatTimeOfDay(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function example(kind: RateKind): string {
  return kind === 'bytes' ? '10M' : '200';
}

// Building an Intl formatter costs far more than using one; takes ask often.
const formatters = new Map<string, Intl.DateTimeFormat>();

function minuteOfDay(date: Date, timeZone: string | undefined): number {
  if (timeZone === undefined) return date.getHours() * 60 + date.getMinutes();
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  let hours = 0;
  let minutes = 0;
  for (const part of format.formatToParts(date)) {
    if (part.type === 'hour') hours = Number(part.value);
    else if (part.type === 'minute') minutes = Number(part.value);
  }
  return (hours % 24) * 60 + minutes;
}
