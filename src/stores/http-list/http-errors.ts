import { FerryError, isFerryError } from '../../core/index.js';

/**
 * An HTTP status as a FerryError. A refused URL is one object's problem, not
 * the run's: ACCESS_DENIED here is not fatal, unlike on a bucket.
 */
export function statusError(status: number, what: string): FerryError {
  const message = `${what}: HTTP ${status}`;
  if (status === 404 || status === 410) return new FerryError('NOT_FOUND', message, { status });
  if (status === 401 || status === 403) return new FerryError('ACCESS_DENIED', message, { status });
  if (status === 412) return new FerryError('PRECONDITION_FAILED', message, { status });
  if (status === 416) return new FerryError('INVALID_ARGUMENT', message, { status, field: 'range' });
  if (status === 429) return new FerryError('THROTTLED', message, { status, retryable: true });
  if (status === 408) return new FerryError('TIMEOUT', message, { status, retryable: true });
  if (status >= 500) return new FerryError('SERVER_ERROR', message, { status, retryable: true });
  return new FerryError('SERVER_ERROR', message, { status });
}

/** A failed connection or a body cut short: worth another try. */
export function networkError(err: unknown, what: string): FerryError {
  if (isFerryError(err)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  if (code === 'ETIMEDOUT') return new FerryError('TIMEOUT', `${what}: ${reason}`, { retryable: true, cause: err });
  return new FerryError('NETWORK', `${what}: ${reason}`, { retryable: true, cause: err });
}
