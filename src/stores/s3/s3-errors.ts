import { FerryError, type ErrorCode } from '../../core/index.js';

/** Error names S3 servers use, by what they mean for a migration. */
const FATAL: Record<string, ErrorCode> = {
  AccessDenied: 'ACCESS_DENIED',
  AllAccessDisabled: 'ACCESS_DENIED',
  InvalidAccessKeyId: 'ACCESS_DENIED',
  SignatureDoesNotMatch: 'ACCESS_DENIED',
  AccountProblem: 'ACCESS_DENIED',
  InvalidToken: 'ACCESS_DENIED',
  ExpiredToken: 'ACCESS_DENIED',
  NoSuchBucket: 'NO_SUCH_BUCKET',
};

const RETRYABLE: Record<string, ErrorCode> = {
  SlowDown: 'THROTTLED',
  Throttling: 'THROTTLED',
  ThrottlingException: 'THROTTLED',
  RequestLimitExceeded: 'THROTTLED',
  TooManyRequests: 'THROTTLED',
  ServiceUnavailable: 'SERVER_ERROR',
  InternalError: 'SERVER_ERROR',
  RequestTimeout: 'TIMEOUT',
  RequestTimeTooSkewed: 'SERVER_ERROR',
  TimeoutError: 'TIMEOUT',
  RequestTimeoutException: 'TIMEOUT',
};

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_CONNECT_TIMEOUT',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/**
 * Sorts an error from the S3 client (the lean client's `S3ResponseError`s,
 * shaped as the AWS SDK's exceptions, or the socket under it) into Ferry's
 * classes, as rclone's `(f *Fs) shouldRetry` does for its S3 backend.
 */
export function classifyS3Error(err: unknown, what: string): FerryError {
  if (err instanceof FerryError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.Code ?? e.name ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const detail = `${name}${status ? ` (${status})` : ''}`;
  const message = `${what}: ${detail}${e.message && e.message !== name && e.message !== 'UnknownError' ? `: ${e.message}` : ''}`;
  const make = (code: ErrorCode, opts: { retryable?: boolean; fatal?: boolean } = {}): FerryError =>
    new FerryError(code, message, { ...opts, cause: err, status });

  const fatal = FATAL[name];
  if (fatal) return make(fatal, { fatal: true });
  const retry = RETRYABLE[name];
  if (retry) return make(retry, { retryable: true });
  if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || status === 404) return make('NOT_FOUND');
  if (name === 'PreconditionFailed' || status === 412) return make('PRECONDITION_FAILED');
  if (status === 403) return make('ACCESS_DENIED', { fatal: true });
  if (status === 429 || status === 503) return make('THROTTLED', { retryable: true });
  if (status !== undefined && status >= 500) return make('SERVER_ERROR', { retryable: true });
  if (name === 'BadDigest' || name === 'InvalidDigest' || name === 'IncompleteBody') return make('VERIFY_FAILED', { retryable: true });
  const code = e.code ?? '';
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name) || /socket hang up|ECONNRESET|aborted|premature close/i.test(e.message ?? '')) {
    return make('NETWORK', { retryable: true });
  }
  if (status !== undefined && status >= 400) return make('INVALID_ARGUMENT');
  // A bug in our code must surface, not be retried into a timeout.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return make('INTERNAL');
  return make('NETWORK', { retryable: true });
}
