import { usageError } from '../core/index.js';

/** A parsed 5-field cron expression (minute hour day-of-month month day-of-week), in local time. */
export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Vixie cron: when both day fields are restricted, a day matching either one runs. */
  dayOr: boolean;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
] as const;

const NAMES: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
  sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6,
};

export function parseCron(expr: string, field = '--cron'): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw usageError(field, `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]!, field));
  const weekdays = sets[4]!;
  // 7 is Sunday too.
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    minutes: sets[0]!, hours: sets[1]!, days: sets[2]!, months: sets[3]!, weekdays,
    dayOr: parts[2] !== '*' && parts[4] !== '*',
  };
}

function parseField(text: string, f: (typeof FIELDS)[number], field: string): Set<number> {
  const out = new Set<number>();
  const value = (s: string): number => {
    const n = /^\d+$/.test(s) ? Number(s) : NAMES[s.toLowerCase()];
    if (n === undefined || n < f.min || n > f.max) throw usageError(field, `${f.name} "${s}" is not in ${f.min}-${f.max}`);
    return n;
  };
  for (const item of text.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw usageError(field, `${f.name} step "${stepText}" must be a positive whole number`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [f.min, f.max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [lo, hi] = [value(a), value(b)];
      if (lo > hi) throw usageError(field, `${f.name} range "${range}" runs backwards`);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** The first minute strictly after `after` that matches, in local time; undefined if none within ~4 years. */
export function nextCronTime(cron: Cron, after: number): number | undefined {
  const t = new Date(after);
  t.setSeconds(0, 0);
  t.setMinutes(t.getMinutes() + 1);
  // Minute steps over 4 years is ~2.1M checks at worst (e.g. Feb 29); usually a few hundred.
  for (let i = 0; i < 4 * 366 * 24 * 60; i++) {
    if (matches(cron, t)) return t.getTime();
    if (!cron.months.has(t.getMonth() + 1) || !dayMatches(cron, t)) {
      t.setHours(0, 0, 0, 0);
      t.setDate(t.getDate() + 1);
      continue;
    }
    if (!cron.hours.has(t.getHours())) {
      t.setMinutes(0, 0, 0);
      t.setHours(t.getHours() + 1);
      continue;
    }
    t.setMinutes(t.getMinutes() + 1);
  }
  return undefined;
}

function dayMatches(cron: Cron, t: Date): boolean {
  const dom = cron.days.has(t.getDate());
  const dow = cron.weekdays.has(t.getDay());
  return cron.dayOr ? dom || dow : dom && dow;
}

function matches(cron: Cron, t: Date): boolean {
  return cron.minutes.has(t.getMinutes()) && cron.hours.has(t.getHours()) && cron.months.has(t.getMonth() + 1) && dayMatches(cron, t);
}
