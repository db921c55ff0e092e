/**
 * One error type for the whole of Ferry. Every failure carries a stable
 * `code`, says whether trying again may help (`retryable`), whether the run
 * must stop at once (`fatal`), and keeps its `cause`.
 *
 * The split follows rclone's fserrors: retryable (5xx, SlowDown, resets,
 * timeouts), no-retry (one object is bad: not found, changed under us) and
 * fatal (access denied, no such bucket: nothing else will work either).
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'ACCESS_DENIED',
  'NO_SUCH_BUCKET',
  'PRECONDITION_FAILED',
  'THROTTLED',
  'SERVER_ERROR',
  'NETWORK',
  'TIMEOUT',
  'VERIFY_FAILED',
  'SOURCE_CHANGED',
  'INVALID_KEY',
  'INVALID_ARGUMENT',
  'USAGE',
  'CONFIG',
  'NO_SPACE',
  'UNSUPPORTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FerryErrorOptions {
  /** @defaultValue false */
  retryable?: boolean;
  /** @defaultValue false */
  fatal?: boolean;
  cause?: unknown;
  /** The input field (flag, config key, body property) at fault, if any. */
  field?: string;
  /** HTTP status seen from a server, if any. */
  status?: number;
}

export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly fatal: boolean;
  readonly field: string | undefined;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.fatal = options.fatal ?? false;
    this.field = options.field;
    this.status = options.status;
  }
}

/** Bad input from a user (flag, config, body): exit code 2 / HTTP 400. */
export function usageError(field: string, message: string): FerryError {
  return new FerryError('USAGE', `${field}: ${message}`, { field, fatal: true });
}

export function isFerryError(err: unknown): err is FerryError {
  return err instanceof FerryError;
}

/** Whether a retry may succeed. Unknown errors (bugs) are not retried. */
export function isRetryable(err: unknown): boolean {
  return isFerryError(err) && err.retryable;
}

export function isFatal(err: unknown): boolean {
  return isFerryError(err) && err.fatal;
}

/** A one-line message for people: no stack, no newlines. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim() || 'unknown error';
}
