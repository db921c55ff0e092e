/** Parsing of user-given instants (`--since`) and durations. */
import { usageError } from '../core/errors.js';

const SINCE_FORMS =
  'expected unix seconds (up to 11 digits), unix milliseconds (12-14 digits), ' +
  'or an ISO-8601 date / date-time such as 2024-01-02, 2024-01-02T03:04:05Z, ' +
  '2024-01-02T03:04:05+08:00';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * An instant as ms since the epoch.
 *
 * A date or date-time without a zone is read as UTC, not local time:
 * Last-Modified times are UTC, and the same job may run on a laptop, in a
 * UTC container and on a server in another zone; one flag value must select
 * the same objects on all of them. (`Date.parse` would use local time.)
 */
export function parseSince(value: string, field = '--since'): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    if (text.length <= 11) return Number(text) * 1000;
    if (text.length <= 14) return Number(text);
    throw usageError(field, `${JSON.stringify(value)} has too many digits; ${SINCE_FORMS}`);
  }
  const ms = parseIso(text);
  if (ms === undefined) throw usageError(field, `cannot read ${JSON.stringify(value)} as a time; ${SINCE_FORMS}`);
  return ms;
}

function parseIso(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Leap seconds (:60) are refused rather than silently rolled into the next minute.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = zoneOffsetMs(zone);
  if (offset === undefined) return undefined;
  const millis = Math.floor(Number(`0.${frac || '0'}`) * 1000);
  // setUTCFullYear, because Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offset;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function zoneOffsetMs(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/**
 * A duration such as `90s`, `15m`, `2h`, `7d`, `1d12h`, `1.5h`, `250ms` or
 * `0`, in ms. Units are lower case only, so `1M` is refused rather than
 * guessed to be a minute or a month; a bare number is refused for the same
 * reason (seconds? ms?).
 */
export function parseDuration(value: string, field = 'duration'): number {
  const text = value.trim();
  if (text === '0') return 0;
  const fail = () =>
    usageError(
      field,
      `cannot read ${JSON.stringify(value)} as a duration; expected a number with a unit ` +
        '(ms, s, m, h, d, w), optionally repeated, e.g. 90s, 15m, 2h, 7d, 1d12h',
    );
  if (text === '') throw fail();
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const m = DURATION_PART.exec(text);
    if (!m) throw fail();
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw usageError(field, `${JSON.stringify(value)} is too long a duration`);
  return ms;
}
