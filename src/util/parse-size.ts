/**
 * Sizes and rates from flags and config.
 *
 * Size units are binary throughout and case-insensitive: k/K/KB/KiB = 1024,
 * M/MB/MiB = 1024², then G, T, P. `MB` means MiB on purpose: AWS CLI
 * (`multipart_chunksize = 64MB`) reads it that way and rclone refuses it
 * outright, so no user coming from either is surprised. A trailing `b` is
 * bytes too, as a size is never in bits. A bare number is bytes (rclone would
 * read KiB; its users write a suffix anyway).
 */
import { usageError } from '../core/errors.js';

const BINARY: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

const DECIMAL: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  p: 1e15,
};

const SIZE = /^(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgtp])(i)?)?(b)?$/i;

/** Bytes from `1048576`, `100k`, `64M`, `10MB`, `1.5GiB`, `2 TiB`. Fractions round down. */
export function parseSize(value: string, field = 'size'): number {
  const m = SIZE.exec(value.trim());
  // "KiB" needs the B; a lone "Ki" is most likely a typo.
  if (!m || (m[3] !== undefined && m[4] === undefined)) {
    throw usageError(
      field,
      `cannot read ${JSON.stringify(value)} as a size; expected a number with an optional binary unit ` +
        '(B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB, P/PB/PiB; all 1024-based), e.g. 64M, 1.5GiB, 1048576',
    );
  }
  return toBytes(value, field, Number(m[1]) * BINARY[(m[2] ?? '').toLowerCase()]!);
}

const RATE = /^(\d+(?:\.\d*)?|\.\d+)\s*([kmgtp]?)(i?)(bits?|B|b)?(\/s|ps)?$/i;
const RATE_FORMS =
  'expected bytes per second with a binary unit (10M, 5MB/s, 5MiB/s = 5×1024² B/s) ' +
  'or bits per second with a decimal unit (100Mbit/s, 200Mbit, 100Mbps = 100×10⁶ bit/s)';

/**
 * Bytes per second from `10M`, `5MB/s`, `100Mbit/s`, `200Mbit`, `100Mbps`.
 *
 * Byte rates use the binary units of `parseSize`. Bit rates use decimal
 * prefixes, the network convention, so `1000Mbit` is what a 1 Gbit/s link
 * carries (125,000,000 B/s); `Mibit` is there for binary bits. A lone lower
 * case `b` (`100Mb`, `100Mb/s`) is refused: people write it for both bits and
 * bytes (`Mbps` is unambiguous and means bits). Zero is refused too: a zero
 * limit would stall the job, and "no limit" is spelled by leaving the option out.
 */
export function parseRate(value: string, field = 'rate'): number {
  const m = RATE.exec(value.trim());
  const fail = (hint = '') =>
    usageError(field, `cannot read ${JSON.stringify(value)} as a rate; ${hint}${RATE_FORMS}`);
  if (!m) throw fail();
  const [, amountText, prefixText = '', binaryText = '', unitText = '', perSecond = ''] = m;
  const unit = unitText.toLowerCase().startsWith('bit') ? 'bit' : unitText;
  if (perSecond.toLowerCase() === 'ps' && unit !== 'b' && unit !== 'B') throw fail();
  if (binaryText !== '' && (prefixText === '' || unit === '')) throw fail();
  if (unit === 'b' && perSecond.toLowerCase() !== 'ps') throw fail('"b" could mean bits or bytes; ');
  const prefix = prefixText.toLowerCase();
  const isBits = unit === 'bit' || unit === 'b';
  const amount = Number(amountText);
  const bytesPerSecond = isBits
    ? (amount * (binaryText !== '' ? BINARY : DECIMAL)[prefix]!) / 8
    : amount * BINARY[prefix]!;
  const rate = toBytes(value, field, bytesPerSecond);
  if (rate === 0) {
    throw usageError(
      field,
      `${JSON.stringify(value)} is less than 1 byte per second; leave the option out for no limit`,
    );
  }
  return rate;
}

function toBytes(value: string, field: string, raw: number): number {
  const bytes = Math.floor(raw);
  if (!Number.isSafeInteger(bytes)) throw usageError(field, `${JSON.stringify(value)} is too large`);
  return bytes;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** For people: `512 B`, `1.50 GiB`. Binary units, two decimals. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  const sign = n < 0 ? '-' : '';
  let abs = Math.abs(n);
  if (abs < 1024) return `${sign}${Math.round(abs)} B`;
  let unit = -1;
  while (abs >= 1024 && unit < UNITS.length - 1) {
    abs /= 1024;
    unit++;
  }
  // 1023.999 KiB would print as "1024.00 KiB".
  if (Number(abs.toFixed(2)) >= 1024 && unit < UNITS.length - 1) {
    abs /= 1024;
    unit++;
  }
  return `${sign}${abs.toFixed(2)} ${UNITS[unit]}`;
}
