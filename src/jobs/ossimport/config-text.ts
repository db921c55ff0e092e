import { FerryError } from '../../core/index.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of an ossimport file, which must be UTF-8 (as the shipped samples
 * are). A file saved in another encoding (GBK from a Chinese Windows editor)
 * would otherwise come through with U+FFFD in place of its non-ASCII
 * characters, silently changing paths and prefixes; it is refused instead,
 * naming the first line that is not UTF-8.
 */
export function configText(bytes: Uint8Array, file: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new FerryError('USAGE', `${file}: line ${firstBadLine(bytes)} is not UTF-8 text; save the file as UTF-8`, { field: file, fatal: true });
  }
}

function firstBadLine(bytes: Uint8Array): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      strict.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line++;
    start = i + 1;
  }
  return line;
}
