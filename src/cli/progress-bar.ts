import type { Progress } from '../engine/index.js';
import { formatBytes } from '../util/index.js';

/**
 * A one-line progress display, redrawn in place on a TTY (objects, bytes,
 * rate, ETA). Off a TTY it prints nothing, so logs and pipes stay clean.
 */
export class ProgressBar {
  private timer: NodeJS.Timeout | undefined;
  private lastWidth = 0;

  constructor(
    private readonly progress: Progress,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  ) {}

  start(intervalMs = 250): void {
    if (!this.out.isTTY) return;
    this.timer = setInterval(() => this.render(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.out.isTTY && this.lastWidth > 0) this.out.write(`\r${' '.repeat(this.lastWidth)}\r`);
  }

  render(): void {
    const p = this.progress;
    p.sample();
    const { bytesPerSec, objectsPerSec } = p.rate();
    const eta = p.etaSeconds();
    const pct = p.bytesToCopy > 0 ? Math.min(100, (100 * p.bytesMoved) / p.bytesToCopy) : p.listingDone ? 100 : 0;
    const barWidth = 20;
    const filled = Math.round((pct / 100) * barWidth);
    const line =
      `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${pct.toFixed(0)}% ` +
      `${p.copied}/${p.toCopy}${p.listingDone ? '' : '+'} obj, ${formatBytes(p.bytesMoved)}/${formatBytes(p.bytesToCopy)}, ` +
      `${formatBytes(bytesPerSec)}/s ${objectsPerSec.toFixed(0)} obj/s, ETA ${formatEta(eta)}` +
      `${p.failed ? `, ${p.failed} failed` : ''}${p.skipped ? `, ${p.skipped} skipped` : ''}`;
    const width = Math.min(line.length, (this.out.columns ?? 120) - 1);
    this.out.write(`\r${line.slice(0, width).padEnd(this.lastWidth)}`);
    this.lastWidth = width;
  }
}

export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
