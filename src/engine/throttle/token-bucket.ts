import type { RateLimiter } from './rate-limiter.js';

export interface TokenBucketOptions {
  /**
   * Seconds of unused rate an idle bucket saves up, so a short pause does
   * not cost throughput while a long one cannot turn into a flood.
   * @defaultValue 0.25
   */
  burstSeconds?: number;
  /**
   * The least an idle bucket saves up, in units: at 2 objects/s a quarter
   * second would bank half an object, and one object after a pause should
   * start at once.
   * @defaultValue 1
   */
  minBurst?: number;
  /** Milliseconds on a monotonic clock. @defaultValue performance.now */
  now?: () => number;
}

interface Waiter {
  readonly amount: number;
  /** Whether `amount` is already off the balance (only ever the head of the queue). */
  charged: boolean;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const RESOLVED = Promise.resolve();

/**
 * A token bucket whose balance may go negative. A take charges its whole
 * amount and waits until the balance is back to zero, so an amount larger
 * than the burst (a 5 GiB server-side copy at 10 MiB/s) still goes through,
 * after the time it is worth, and later callers pay nothing for it.
 *
 * Callers are served strictly in arrival order: while anyone waits, a new
 * take queues behind them even if it is small, so a stream of small takes
 * cannot starve a large one. Only the head of the queue has a timer, set
 * for the moment its debt is paid; an idle bucket holds no timer. The timer
 * is not unref'd: a pending take is work the process must wait for.
 *
 * The bucket starts empty, so from creation on no window carries more than
 * `rate × window` (plus the burst once it has been idle).
 */
export class TokenBucket implements RateLimiter {
  private perSecond: number | undefined;
  private capacity = 0;
  private balance = 0;
  private last: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly burstSeconds: number;
  private readonly minBurst: number;
  private readonly now: () => number;

  /** @param rate units per second; undefined is no limit. */
  constructor(rate?: number, options: TokenBucketOptions = {}) {
    this.burstSeconds = options.burstSeconds ?? 0.25;
    this.minBurst = options.minBurst ?? 1;
    this.now = options.now ?? (() => performance.now());
    this.last = this.now();
    this.setRate(rate);
  }

  /** Units per second; undefined is no limit. */
  get rate(): number | undefined {
    return this.perSecond;
  }

  /** Takes waiting their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Changes the rate, effective at once for waiting takes too: the debt
   * already owed is paid at the new rate from now on. Undefined lifts the
   * limit and releases every waiting take.
   */
  setRate(rate: number | undefined): void {
    if (rate !== undefined && !(rate > 0 && Number.isFinite(rate))) {
      throw new RangeError(`rate must be a positive number of units per second or undefined (got ${rate})`);
    }
    if (rate === this.perSecond) return;
    this.refill();
    const wasUnlimited = this.perSecond === undefined;
    this.perSecond = rate;
    if (rate === undefined) {
      this.balance = 0;
      this.releaseAll();
      return;
    }
    this.capacity = Math.max(rate * this.burstSeconds, this.minBurst);
    // Coming from no limit, start empty as a new bucket does.
    this.balance = wasUnlimited ? 0 : Math.min(this.balance, this.capacity);
    if (this.queue.length > 0) this.pump();
  }

  /**
   * Resolves once `amount` units may be used. Rejects only when `signal`
   * aborts, with its reason; a waiting take that is aborted gives its units
   * back. A negative or non-finite amount is a bug and throws.
   */
  take(amount: number, signal?: AbortSignal): Promise<void> {
    if (!(amount >= 0 && Number.isFinite(amount))) throw new RangeError(`cannot take ${amount} units`);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.perSecond === undefined || amount === 0) return RESOLVED;
    if (this.queue.length === 0) {
      this.refill();
      this.balance -= amount;
      if (this.balance >= 0) return RESOLVED;
      return this.enqueue(amount, true, signal);
    }
    return this.enqueue(amount, false, signal);
  }

  private enqueue(amount: number, charged: boolean, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { amount, charged, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => this.abandon(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      if (this.queue.length === 1) this.pump();
    });
  }

  /** Releases every head whose debt is paid, then sets one timer for the next. */
  private pump(): void {
    this.clearTimer();
    const rate = this.perSecond;
    if (rate === undefined) return this.releaseAll();
    this.refill();
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      if (!head.charged) {
        this.balance -= head.amount;
        head.charged = true;
      }
      if (this.balance < 0) {
        // Rounding may leave a sliver of debt when the timer fires; it costs one more 1 ms wait, not a spin.
        const delay = Math.max(1, Math.ceil((-this.balance / rate) * 1000));
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, delay);
        return;
      }
      this.queue.shift();
      settle(head);
    }
  }

  private abandon(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    if (waiter.charged) {
      // Its units were never used: hand them to whoever is next.
      this.refill();
      this.balance = Math.min(this.balance + waiter.amount, this.capacity);
    }
    waiter.reject(waiter.signal?.reason);
    if (index === 0) this.pump();
  }

  private releaseAll(): void {
    this.clearTimer();
    for (const waiter of this.queue.splice(0)) settle(waiter);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    if (this.perSecond !== undefined) this.balance = Math.min(this.capacity, this.balance + (this.perSecond * elapsed) / 1000);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function settle(waiter: Waiter): void {
  if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  waiter.resolve();
}
