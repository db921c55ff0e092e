/** A Range header as asked: `bytes=a-b`, `bytes=a-` or `bytes=-n`. */
export type RangeAsked = { start: number; end: number | undefined } | { suffix: number };

/**
 * The one range a `Range` header asks for, or undefined for the whole
 * object. As S3 does, a header it cannot read, or one with several ranges,
 * is ignored and the whole object is sent.
 */
export function parseRange(header: string | undefined): RangeAsked | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') return { suffix: Number(b) };
  const start = Number(a);
  const end = b === '' ? undefined : Number(b);
  if (!Number.isSafeInteger(start) || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) return undefined;
  return { start, end };
}

/** The inclusive byte offsets a range selects in an object of `size` bytes, or undefined when none (416). */
export function resolveRange(range: RangeAsked, size: number): { start: number; end: number } | undefined {
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size) return undefined;
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
