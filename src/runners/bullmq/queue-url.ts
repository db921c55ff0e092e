import { FerryError, usageError } from '../../core/index.js';

/** Where a Redis server is and how to log in; parsed from `--queue redis://…`. */
export interface RedisTarget {
  host: string;
  port: number;
  /** Database number (`/0` in the URL). @defaultValue 0 */
  db: number;
  username?: string | undefined;
  password?: string | undefined;
  /** `rediss://`: TLS, checked against the system's CAs. */
  tls: boolean;
}

/** The environment variable `--queue` falls back to. */
export const QUEUE_ENV = 'FERRY_QUEUE';

/**
 * Reads `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS).
 * Errors name `field` and never repeat the password.
 */
export function parseQueueUrl(text: string, field = '--queue'): RedisTarget {
  const example = 'expected redis://HOST:6379/0 (or rediss:// for TLS)';
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw usageError(field, `is not a URL; ${example}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw usageError(field, `${url.protocol}// is not a Redis URL; ${example}`);
  if (url.hostname === '') throw usageError(field, `has no host; ${example}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\/+/, '');
  if (!/^\d{0,5}$/.test(path)) throw usageError(field, `database ${JSON.stringify(path)} is not a number; ${example}`);
  if (url.search !== '' || url.hash !== '') throw usageError(field, `takes no ?query or #fragment; ${example}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db: path === '' ? 0 : Number(path),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    tls: url.protocol === 'rediss:',
  };
}

/** The URL for messages: the password is never shown. */
export function describeTarget(t: RedisTarget): string {
  const auth = t.password !== undefined ? `${t.username ?? ''}:***@` : t.username !== undefined ? `${t.username}@` : '';
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.tls ? 'rediss' : 'redis'}://${auth}${host}:${t.port}/${t.db}`;
}

/** `--queue`, else `FERRY_QUEUE`; undefined when neither is given. */
export function queueTargetFrom(flag: string | undefined, env: NodeJS.ProcessEnv): RedisTarget | undefined {
  if (flag !== undefined) return parseQueueUrl(flag, '--queue');
  const fromEnv = env[QUEUE_ENV];
  return fromEnv ? parseQueueUrl(fromEnv, QUEUE_ENV) : undefined;
}

/**
 * Checks that Redis answers (PING) and fails with a one-line error (exit 2)
 * when it does not. Loads ioredis on demand, so this module stays light.
 */
export async function connectOrExplain(target: RedisTarget, field = '--queue'): Promise<{ close(): void }> {
  const { openRedis } = await import('./redis-link.js');
  try {
    const client = await openRedis(target, { maxRetriesPerRequest: 0 });
    try {
      await client.ping();
    } catch (err) {
      client.disconnect();
      throw err;
    }
    return { close: () => client.disconnect() };
  } catch (err) {
    throw new FerryError('CONFIG', `${field}: ${describeTarget(target)}: ${(err as Error).message}`, { fatal: true, field, cause: err });
  }
}
