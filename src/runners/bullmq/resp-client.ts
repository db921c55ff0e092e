import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { encodeCommand, RespError, RespParser, type RespValue } from './resp-codec.js';

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

/** The message in-flight commands fail with when the socket goes; BullMQ's adapter recognises it. */
export const CLOSED_MESSAGE = 'Connection closed';
const CONNECT_TIMEOUT_MS = 10_000;

interface Pending {
  resolve: (value: RespValue) => void;
  reject: (err: Error) => void;
}

/**
 * One connection to Redis, speaking RESP2 with pipelining (replies come back
 * in command order, so callers may send without waiting).
 *
 * Ferry ships no Redis driver of its own: BullMQ 6 only names them as
 * optional peers. This client has the shape of Bun's built-in one (`send`,
 * `connected`, `onconnect`/`onclose`, `duplicate`), so BullMQ's own adapter
 * for that shape (`createBunRedisClient`) does the BullMQ side, reconnects
 * included. A closed client stays closed; reconnecting makes a new one.
 */
export class RespClient {
  connected = false;
  onconnect: (() => void) | null | undefined;
  onclose: ((err?: Error) => void) | null | undefined;
  onerror: ((err: Error) => void) | null | undefined;
  private socket: Socket | undefined;
  private readonly parser = new RespParser();
  private readonly pending: Pending[] = [];
  private connecting: Promise<void> | undefined;
  private ended = false;

  constructor(readonly target: RedisTarget) {}

  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.ended) return Promise.reject(new Error(CLOSED_MESSAGE));
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Sends one command; resolves with its reply, rejects with the server's
   * error or when the connection goes. `T` is the caller's word for the
   * reply's shape (RESP carries no schema).
   */
  send<T = RespValue>(command: string, args: readonly unknown[] = []): Promise<T> {
    const socket = this.socket;
    if (!socket || this.ended || socket.destroyed) return Promise.reject(new Error(CLOSED_MESSAGE));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: RespValue) => void, reject });
      socket.write(encodeCommand(command, args));
    });
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket?.destroy();
    this.fail(new Error(CLOSED_MESSAGE));
  }

  /** A new, unconnected client for the same server (async, as Bun's is). */
  duplicate(): Promise<this> {
    return Promise.resolve(new RespClient(this.target) as this);
  }

  // The three typed commands the adapter's raw-client type names.
  get(key: string): Promise<string | null> {
    return this.send<string | null>('GET', [key]);
  }

  smembers(key: string): Promise<string[]> {
    return this.send<string[]>('SMEMBERS', [key]);
  }

  incr(key: string): Promise<number> {
    return this.send<number>('INCR', [key]);
  }

  private open(): Promise<void> {
    const { host, port, tls } = this.target;
    return new Promise<void>((resolve, reject) => {
      const socket = tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
      const ready = tls ? 'secureConnect' : 'connect';
      let opened = false;
      const timer = setTimeout(() => socket.destroy(new Error(`no answer from Redis at ${host}:${port} within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      this.socket = socket;
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) => {
        if (opened) this.onerror?.(err);
        else reject(new Error(`cannot connect to Redis at ${host}:${port}: ${err.message}`));
      });
      socket.on('close', () => {
        clearTimeout(timer);
        const wasConnected = this.connected;
        this.connected = false;
        this.fail(new Error(CLOSED_MESSAGE));
        if (!opened) reject(new Error(`cannot connect to Redis at ${host}:${port}: connection closed`));
        else if (wasConnected && !this.ended) this.onclose?.(new Error(`Redis connection to ${host}:${port} lost`));
        this.ended = true;
      });
      socket.once(ready, () => {
        clearTimeout(timer);
        this.handshake().then(
          () => {
            opened = true;
            this.connected = true;
            resolve();
            this.onconnect?.();
          },
          (err: unknown) => {
            socket.destroy();
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      });
    });
  }

  private async handshake(): Promise<void> {
    const { username, password, db } = this.target;
    if (password !== undefined) await this.send('AUTH', username === undefined ? [password] : [username, password]);
    if (db !== 0) await this.send('SELECT', [db]);
  }

  private onData(chunk: Buffer): void {
    let replies: RespValue[];
    try {
      replies = this.parser.push(chunk);
    } catch (err) {
      this.socket?.destroy(err as Error);
      return;
    }
    for (const reply of replies) {
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (reply instanceof RespError) waiter.reject(reply);
      else waiter.resolve(reply);
    }
  }

  private fail(err: Error): void {
    this.parser.reset();
    for (const waiter of this.pending.splice(0)) waiter.reject(err);
  }
}
