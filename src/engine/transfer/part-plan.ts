import { FerryError } from '../../core/index.js';
import type { MultipartLimits } from '../../stores/index.js';

export interface PartRange {
  partNumber: number;
  /** Inclusive byte offsets. */
  start: number;
  end: number;
}

/**
 * Splits `size` bytes into parts of `preferred` size, raised as needed so the
 * object fits in the provider's part count (a 5 TiB object at 16 MiB parts
 * would need 327,680 parts; S3 allows 10,000).
 */
export function planParts(size: number, preferred: number, limits: MultipartLimits): PartRange[] {
  let partSize = Math.max(preferred, limits.minPartSize, Math.ceil(size / limits.maxParts));
  // Round up to a whole MiB so resumed uploads and other tools pick the same sizes.
  partSize = Math.ceil(partSize / (1024 * 1024)) * 1024 * 1024;
  if (partSize > limits.maxPartSize) {
    throw new FerryError('UNSUPPORTED', `object of ${size} bytes exceeds ${limits.maxParts} parts of ${limits.maxPartSize} bytes`);
  }
  const parts: PartRange[] = [];
  for (let start = 0, n = 1; start < size; start += partSize, n++) {
    parts.push({ partNumber: n, start, end: Math.min(size, start + partSize) - 1 });
  }
  return parts;
}
