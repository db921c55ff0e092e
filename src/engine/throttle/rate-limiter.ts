/**
 * Something that hands out units (bytes or objects) at a limited rate. The
 * in-process token bucket implements it; distributed mode implements it over
 * Redis so a limit holds across all workers, not per worker.
 */
export interface RateLimiter {
  /** Resolves once `amount` units may be used; never rejects except on `signal`. */
  take(amount: number, signal?: AbortSignal): Promise<void>;
}

/** The limiters a copy run obeys; either may be absent (no limit). */
export interface Throttle {
  bytes?: RateLimiter | undefined;
  objects?: RateLimiter | undefined;
}
