import { z } from 'zod';
import { isFerryError, type FerryError } from '../core/index.js';

/** The statuses the API answers errors with. */
export type ApiStatus = 400 | 401 | 403 | 404 | 409 | 413 | 500;

/** Every error answer: `{ error: { code, message, field } }` (`field` is null when no one field is at fault). */
export interface ErrorBody {
  error: { code: string; message: string; field: string | null };
}

/** An error with its HTTP status decided where it was thrown. */
export class ApiError extends Error {
  constructor(
    readonly status: ApiStatus,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function badRequest(field: string | undefined, message: string): ApiError {
  return new ApiError(400, 'USAGE', message, field);
}

export function notFound(what: 'job' | 'address' | 'run' | 'route', name: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', what === 'route' ? `no such route: ${name}` : `no ${what} named "${name}"`);
}

export function conflict(message: string, field?: string): ApiError {
  return new ApiError(409, 'CONFLICT', message, field);
}

export function unauthorized(message = 'log in first: send Authorization: Bearer <token> or log in at /login'): ApiError {
  return new ApiError(401, 'UNAUTHORIZED', message, 'token');
}

/** The first problem of a body, with the field as a dotted path of the body (`copy.concurrency`). */
export function bodyError(error: z.ZodError, prefix = ''): ApiError {
  const issue = error.issues[0];
  if (!issue) return badRequest(undefined, 'the body is invalid');
  const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = [...path, key].join('.');
    return badRequest(field, `${field}: is not a known field`);
  }
  const field = path.join('.');
  return badRequest(field || undefined, field ? `${field}: ${issue.message}` : issue.message);
}

/**
 * A `FerryError` thrown by shared code (validation helpers name CLI flags)
 * as an API error naming `field`, the body property the user filled in.
 */
export function renamed(err: FerryError, field: string): ApiError {
  const message = err.field && err.message.startsWith(`${err.field}: `) ? `${field}: ${err.message.slice(err.field.length + 2)}` : err.message;
  return badRequest(field, message);
}

/** Runs `fn`; a usage error it throws names `field` instead of a CLI flag. */
export function asField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isFerryError(err) && (err.code === 'USAGE' || err.code === 'CONFIG')) throw renamed(err, field);
    throw err;
  }
}

/**
 * Maps any thrown value to a status and a body. Ferry's own errors keep
 * their code: usage and configuration errors are 400, a missing job or
 * address 404, a duplicate or a running job 409. Anything else is a bug or
 * an outage: 500 with a generic message (the details go to the log only).
 */
export function toErrorResponse(err: unknown): { status: ApiStatus; body: ErrorBody; unexpected: boolean } {
  const body = (code: string, message: string, field?: string | null): ErrorBody => ({ error: { code, message, field: field ?? null } });
  if (err instanceof ApiError) return { status: err.status, body: body(err.code, err.message, err.field), unexpected: false };
  if (err instanceof z.ZodError) {
    const e = bodyError(err);
    return { status: 400, body: body(e.code, e.message, e.field), unexpected: false };
  }
  if (isFerryError(err)) {
    const field = err.field ?? null;
    if (err.code === 'NOT_FOUND' || (err.code === 'CONFIG' && /^no (job|address) named /.test(err.message))) {
      return { status: 404, body: body('NOT_FOUND', err.message), unexpected: false };
    }
    if (/already exists|is running|already running/.test(err.message)) return { status: 409, body: body('CONFLICT', err.message, field), unexpected: false };
    if (['USAGE', 'CONFIG', 'INVALID_ARGUMENT', 'INVALID_KEY'].includes(err.code)) {
      return { status: 400, body: body(err.code, err.message, field), unexpected: false };
    }
  }
  return { status: 500, body: body('INTERNAL', 'internal error (see the ferry serve log)'), unexpected: true };
}
