import { usageError } from '../core/index.js';
import { parseDuration } from '../util/index.js';

/**
 * Environment variable with the S3 idle timeout (rclone's `--timeout`): how
 * long a request may go without a byte moving either way before it is
 * abandoned and retried. A duration such as `30s` or `2m`; the client's own
 * default (2 minutes) applies when unset. Read when an address is resolved,
 * like a `--secret-env` secret, so every store of a run gets the same value.
 */
export const IO_TIMEOUT_ENV = 'FERRY_IO_TIMEOUT';

/** The idle timeout in ms from `FERRY_IO_TIMEOUT`, undefined when unset; a bad value is a usage error naming the variable. */
export function ioTimeoutOf(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[IO_TIMEOUT_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const ms = parseDuration(raw, IO_TIMEOUT_ENV);
  if (ms < 100 || ms > 86_400_000) throw usageError(IO_TIMEOUT_ENV, `must be from 100ms to 1d (got ${JSON.stringify(raw)})`);
  return ms;
}
