import { createHash } from 'node:crypto';
import { CLOSED_MESSAGE, RespClient, type RedisTarget } from './resp-client.js';

/** A Lua script run by its SHA1 (EVALSHA), loaded on first use. */
export class LuaScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

/**
 * Ferry's own connection to Redis (rate limits, worker records, uploads),
 * apart from BullMQ's. Connects on first use and again after the server went
 * away, so a Redis restart costs the commands in flight, not the process.
 */
export class RedisLink {
  private client: RespClient | undefined;
  private connecting: Promise<RespClient> | undefined;
  private closed = false;

  constructor(readonly target: RedisTarget) {}

  async send<T>(command: string, args: readonly unknown[] = []): Promise<T> {
    const client = await this.ready();
    return client.send<T>(command, args);
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
    this.client?.close();
  }

  private ready(): Promise<RespClient> {
    if (this.closed) return Promise.reject(new Error(CLOSED_MESSAGE));
    if (this.client?.connected) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new RespClient(this.target);
      try {
        await client.connect();
      } catch (err) {
        client.close();
        throw err;
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }
}

/** HGETALL's flat reply as an object. */
export function hashOf(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}
