import { FerryError, isFerryError } from '../../core/index.js';

/** The errno code of a Node.js system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a file-system error into a FerryError. `what` names the operation and
 * path for the message. Callers handle the codes that mean something special
 * in their context (a file in the way of a directory is INVALID_KEY on write)
 * before falling back to this.
 */
export function fsError(err: unknown, what: string): FerryError {
  if (isFerryError(err)) return err;
  const code = errnoCode(err);
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FerryError('NOT_FOUND', message, { cause: err });
    case 'EACCES':
    case 'EPERM':
      // One file or directory: the others may still work.
      return new FerryError('ACCESS_DENIED', message, { cause: err });
    case 'EROFS':
      return new FerryError('ACCESS_DENIED', message, { cause: err, fatal: true });
    case 'ENOSPC':
    case 'EDQUOT':
      // Not retried (space does not come back within a back-off), and not fatal: a smaller
      // file may still fit, and each object that does not is reported for a later retry run.
      return new FerryError('NO_SPACE', message, { cause: err });
    case 'ENAMETOOLONG':
    case 'EISDIR':
    case 'EEXIST':
      return new FerryError('INVALID_KEY', message, { cause: err });
    case 'EMFILE':
    case 'ENFILE':
    case 'EBUSY':
    case 'EAGAIN':
      return new FerryError('INTERNAL', message, { cause: err, retryable: true });
    case 'ECONNRESET':
    case 'ECONNREFUSED':
    case 'ECONNABORTED':
    case 'EPIPE':
    case 'ETIMEDOUT':
      // A body stream from a remote source failed while we wrote it to disk.
      return new FerryError('NETWORK', message, { cause: err, retryable: true });
    default:
      return new FerryError('INTERNAL', message, { cause: err });
  }
}
