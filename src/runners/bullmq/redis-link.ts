import { createHash } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisTarget } from './queue-url.js';

/** A Lua script run by its SHA1 (EVALSHA), loaded on first use. */
export class LuaScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

/** The message commands fail with once the link is closed. */
const CLOSED_MESSAGE = 'Connection is closed.';

/** ioredis options for a parsed `--queue` URL. */
export function ioredisOptions(t: RedisTarget): RedisOptions {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    username: t.username,
    password: t.password,
    tls: t.tls ? { servername: t.host } : undefined,
    connectTimeout: 10_000,
    // Reconnects after a second or two, forever (until closed).
    retryStrategy: (times) => Math.min(250 * times, 2_000),
  };
}

/**
 * Ferry's own connection to Redis (rate limits, worker records, uploads),
 * apart from BullMQ's: an ioredis client, made on first use. ioredis
 * reconnects by itself after the server went away; a command waiting for it
 * fails after a few attempts, so callers see the outage and retry.
 *
 * ioredis is imported on first use, so commands that merely may need Redis
 * (`ferry job status`) do not load it.
 */
export class RedisLink {
  private client: Redis | undefined;
  private connecting: Promise<Redis> | undefined;
  private closed = false;

  constructor(readonly target: RedisTarget) {}

  /** Sends one command; `T` is the caller's word for the reply's shape (strings, numbers, arrays, null). */
  async send<T>(command: string, args: readonly unknown[] = []): Promise<T> {
    const client = await this.ready();
    return (await client.call(command, ...args.map(argOf))) as T;
  }

  /** Runs a script by SHA, sending its source once when the server does not know it (NOSCRIPT). */
  async eval<T>(script: LuaScript, keys: readonly string[], args: readonly unknown[]): Promise<T> {
    try {
      return await this.send<T>('EVALSHA', [script.sha, keys.length, ...keys, ...args]);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.send<T>('EVAL', [script.lua, keys.length, ...keys, ...args]);
    }
  }

  close(): void {
    this.closed = true;
    this.client?.disconnect();
    this.client = undefined;
  }

  private ready(): Promise<Redis> {
    if (this.closed) return Promise.reject(new Error(CLOSED_MESSAGE));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= openRedis(this.target, { maxRetriesPerRequest: 2 })
      .then((client) => {
        if (this.closed) {
          client.disconnect();
          throw new Error(CLOSED_MESSAGE);
        }
        this.client = client;
        return client;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }
}

/**
 * Opens an ioredis client and waits until it is ready; fails with
 * `cannot connect to Redis at HOST:PORT: <reason>` (the password never shown)
 * when the first attempt does not succeed.
 */
export async function openRedis(target: RedisTarget, extra: RedisOptions = {}): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...ioredisOptions(target), ...extra, lazyConnect: true });
  let lastError: Error | undefined;
  // Without a listener ioredis prints every reconnect error; callers see the ones that matter as rejected commands.
  client.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.disconnect();
    const reason = lastError?.message ?? (err as Error).message;
    throw new Error(`cannot connect to Redis at ${target.host}:${target.port}: ${reason}`, { cause: err });
  }
}

function argOf(a: unknown): string | number | Buffer {
  return typeof a === 'number' || Buffer.isBuffer(a) ? a : String(a);
}

/** HGETALL's reply (a flat array of field, value, … or an object) as an object. */
export function hashOf(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  } else if (reply !== null && typeof reply === 'object') {
    for (const [k, v] of Object.entries(reply)) out[k] = String(v);
  }
  return out;
}
