import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { usageError } from '../core/index.js';
import { ApiError, unauthorized } from './errors.js';

/**
 * Who may use `ferry serve`'s API and console: whoever holds the token.
 *
 * The token is generated at the first `ferry serve` (printed once) and only
 * its salted SHA-256 is stored, in the home database's `settings`; `--token`
 * or `FERRY_TOKEN` override it for one process. A generated token has 256
 * random bits, so a fast hash is as good as a slow one; a slow one would
 * cost every API call that sends the token.
 *
 * API clients send `Authorization: Bearer <token>`; the console logs in once
 * (POST /api/login) and then sends a session cookie (HttpOnly,
 * SameSite=Strict), kept in this process's memory only.
 */

export const TOKEN_ENV = 'FERRY_TOKEN';
export const SESSION_COOKIE = 'ferry_session';
const TOKEN_SETTING = 'api_token_hash';
const SESSION_TTL_MS = 12 * 3600_000;

/** `sha256:<salt hex>:<hash hex>`. */
export function hashToken(token: string, salt: Buffer = randomBytes(16)): string {
  const hash = createHash('sha256').update(salt).update(token, 'utf8').digest();
  return `sha256:${salt.toString('hex')}:${hash.toString('hex')}`;
}

/** Constant-time check of a token against a stored hash. */
export function verifyToken(token: string, stored: string): boolean {
  const [scheme, saltHex, hashHex] = stored.split(':');
  if (scheme !== 'sha256' || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = createHash('sha256').update(Buffer.from(saltHex, 'hex')).update(token, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function generateToken(): string {
  return `fy_${randomBytes(32).toString('base64url')}`;
}

export function storedTokenHash(db: Database.Database): string | undefined {
  const row = db.prepare(`SELECT value FROM settings WHERE key = ?`).get(TOKEN_SETTING) as { value: string } | undefined;
  return row?.value;
}

export function storeTokenHash(db: Database.Database, hash: string): void {
  db.prepare(`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(
    TOKEN_SETTING,
    hash,
    Date.now(),
  );
}

export interface TokenSetup {
  hash: string;
  source: 'flag' | 'env' | 'stored' | 'generated';
  /** Only when generated now: the token in clear, to print once. */
  token?: string;
}

/**
 * The token this process accepts: `--token`, else `FERRY_TOKEN`, else the
 * stored one; none stored (first start) or `renew`: a new one is generated
 * and its hash stored.
 */
export function setupToken(db: Database.Database, opts: { flag?: string; env?: string; renew?: boolean }): TokenSetup {
  const given = opts.flag ?? opts.env;
  if (given !== undefined) {
    const field = opts.flag !== undefined ? '--token' : TOKEN_ENV;
    if (given.length < 12 || /\s/.test(given)) throw usageError(field, 'must be at least 12 characters without spaces');
    return { hash: hashToken(given), source: opts.flag !== undefined ? 'flag' : 'env' };
  }
  const stored = opts.renew ? undefined : storedTokenHash(db);
  if (stored) return { hash: stored, source: 'stored' };
  const token = generateToken();
  const hash = hashToken(token);
  storeTokenHash(db, hash);
  return { hash, source: 'generated', token };
}

/** Console sessions, in memory: a restart logs everybody out. Only a hash of each id is kept. */
export class Sessions {
  private readonly live = new Map<string, number>();

  create(now = Date.now()): string {
    const id = randomBytes(32).toString('base64url');
    this.prune(now);
    this.live.set(digest(id), now + SESSION_TTL_MS);
    return id;
  }

  valid(id: string, now = Date.now()): boolean {
    const expires = this.live.get(digest(id));
    return expires !== undefined && expires > now;
  }

  end(id: string): void {
    this.live.delete(digest(id));
  }

  static readonly ttlSeconds = SESSION_TTL_MS / 1000;

  private prune(now: number): void {
    for (const [k, exp] of this.live) if (exp <= now) this.live.delete(k);
  }
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Paths anyone may fetch: the login page, the login call and the console's static files. */
export function isPublicPath(method: string, path: string): boolean {
  if (path === '/login' && method === 'GET') return true;
  if (path === '/api/login' && method === 'POST') return true;
  return path.startsWith('/assets/') && (method === 'GET' || method === 'HEAD');
}

/** How the request proved itself, or undefined. */
export function authenticate(c: Context, tokenHash: string, sessions: Sessions): 'bearer' | 'session' | undefined {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1] !== undefined && verifyToken(m[1], tokenHash) ? 'bearer' : undefined;
  }
  const session = getCookie(c, SESSION_COOKIE);
  return session !== undefined && sessions.valid(session) ? 'session' : undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every route but the public ones needs the token or a session. API calls
 * without one get 401; pages redirect to the login page. A cookie-borne
 * change must come from this origin (the cookie is SameSite=Strict too).
 */
export function requireAuth(tokenHash: string, sessions: Sessions): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (isPublicPath(c.req.method, path)) return next();
    const how = authenticate(c, tokenHash, sessions);
    if (!how) {
      if (path.startsWith('/api/') || path === '/api') {
        c.header('WWW-Authenticate', 'Bearer realm="ferry"');
        throw unauthorized(c.req.header('authorization') !== undefined ? 'the token is not valid' : undefined);
      }
      const next = c.req.path === '/' ? '' : `?next=${encodeURIComponent(c.req.path)}`;
      return c.redirect(`/login${next}`, 302);
    }
    if (how === 'session' && !SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      const host = c.req.header('host');
      if (origin !== undefined && host !== undefined && originHost(origin) !== host) {
        throw new ApiError(403, 'FORBIDDEN', 'cross-origin request refused');
      }
    }
    return next();
  };
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
