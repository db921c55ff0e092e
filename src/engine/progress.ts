/**
 * Live counters of a run, read by the progress bar, `--json` and (later) the
 * job status. Rates are smoothed over a sliding window so a burst of small
 * objects does not make the ETA jump about.
 */
export class Progress {
  listed = 0;
  bytesListed = 0;
  listingDone = false;
  /** Objects and bytes the run decided to copy (grows while listing). */
  toCopy = 0;
  bytesToCopy = 0;
  copied = 0;
  skipped = 0;
  failed = 0;
  retries = 0;
  /** Bytes moved so far, including objects still in flight. */
  bytesMoved = 0;
  readonly startedAt = Date.now();
  private samples: { t: number; bytes: number; objects: number }[] = [];

  /** Call every second or so; keeps the last `windowMs` of samples. */
  sample(now = Date.now(), windowMs = 10_000): void {
    this.samples.push({ t: now, bytes: this.bytesMoved, objects: this.copied });
    while (this.samples.length > 2 && (this.samples[0]?.t ?? now) < now - windowMs) this.samples.shift();
  }

  /** Bytes and objects per second over the window (over the whole run before two samples exist). */
  rate(now = Date.now()): { bytesPerSec: number; objectsPerSec: number } {
    const first = this.samples[0];
    const base = first && now - first.t >= 500 ? first : { t: this.startedAt, bytes: 0, objects: 0 };
    const secs = Math.max(0.001, (now - base.t) / 1000);
    return { bytesPerSec: (this.bytesMoved - base.bytes) / secs, objectsPerSec: (this.copied - base.objects) / secs };
  }

  /** Seconds left, from bytes left (or objects left for tiny objects); undefined while unknown. */
  etaSeconds(now = Date.now()): number | undefined {
    const { bytesPerSec, objectsPerSec } = this.rate(now);
    const bytesLeft = Math.max(0, this.bytesToCopy - this.bytesMoved);
    const objectsLeft = Math.max(0, this.toCopy - this.copied - this.failed);
    const byBytes = bytesPerSec > 0 ? bytesLeft / bytesPerSec : undefined;
    const byObjects = objectsPerSec > 0 ? objectsLeft / objectsPerSec : undefined;
    if (byBytes === undefined && byObjects === undefined) return objectsLeft === 0 ? 0 : undefined;
    return Math.max(byBytes ?? 0, byObjects ?? 0);
  }
}
