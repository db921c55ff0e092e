import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. @defaultValue 5 */
  attempts?: number;
  /** First back-off delay in ms; doubles each time. @defaultValue 200 */
  baseDelayMs?: number;
  /** Ceiling of one delay. @defaultValue 10000 */
  maxDelayMs?: number;
  /** Called before each retry (for counters and logs). */
  onRetry?: (err: unknown, attempt: number) => void;
  signal?: AbortSignal | undefined;
  /** Overrides which errors are retried. @defaultValue isRetryable */
  shouldRetry?: (err: unknown) => boolean;
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or attempts run
 * out. Back-off is exponential with full jitter, so many workers hitting one
 * throttled server spread out instead of retrying in lock-step.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 10_000;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !shouldRetry(err) || options.signal?.aborted) throw err;
      options.onRetry?.(err, attempt);
      const ceiling = Math.min(max, base * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
