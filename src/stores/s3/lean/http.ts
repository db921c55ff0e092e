import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

export interface HttpTransportOptions {
  /** Sockets per host: enough for high transfer concurrency plus listing. */
  maxSockets: number;
  keepAliveMsecs: number;
  /** Time allowed to open a connection. */
  connectionTimeoutMs: number;
  /** Idle socket time, not total time: a 5 GiB body may take long but never stalls this long. */
  socketTimeoutMs: number;
  /** How long a body announced with `Expect: 100-continue` waits for the server's go-ahead before it is sent anyway. */
  continueTimeoutMs: number;
}

export interface OutgoingRequest {
  method: string;
  /** Host to connect to (the bucket's virtual host, or the endpoint's). */
  hostname: string;
  port: number;
  /** Path and query, already encoded. */
  path: string;
  /** Lower-case names, `host` included. */
  headers: Record<string, string>;
  /** A buffer is sent at once, with the head in one write; a stream is piped (its length must be in `content-length`). */
  body?: Buffer | Readable | undefined;
  /** Send `Expect: 100-continue` and the body only once the server agrees (or stays silent). */
  expectContinue?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Errors shaped like the SDK's, which `classifyS3Error` sorts by `name`. */
function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError', code: 'ETIMEDOUT' });
}

export function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/**
 * HTTP/1.1 requests with node:http(s) over one keep-alive agent: no
 * middleware, no request objects beyond node's own. Resolves with the
 * response as soon as its head arrived; the body is the caller's to read.
 */
export class HttpTransport {
  private readonly agent: HttpAgent;
  private readonly send: (options: RequestOptions) => ClientRequest;

  constructor(
    protocol: string,
    private readonly options: HttpTransportOptions,
  ) {
    // The agent's `timeout` is each socket's idle timeout, busy or free: a busy socket's request gets
    // a 'timeout' event (handled below), a free one is closed; no timer is armed per request.
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, keepAliveMsecs: options.keepAliveMsecs, timeout: options.socketTimeoutMs };
    if (protocol === 'https:') {
      this.agent = new HttpsAgent(agentOptions);
      this.send = (o) => httpsRequest(o);
    } else {
      this.agent = new HttpAgent(agentOptions);
      this.send = (o) => httpRequest(o);
    }
    this.limitConnectTime();
  }

  /** A new connection gets `connectionTimeoutMs` to open; reused ones cost nothing. */
  private limitConnectTime(): void {
    const agent = this.agent as HttpAgent & { createConnection: (...args: unknown[]) => Socket };
    const create = agent.createConnection.bind(agent);
    const ms = this.options.connectionTimeoutMs;
    agent.createConnection = (...args: unknown[]): Socket => {
      const socket = create(...args);
      if (socket.connecting) {
        const to = args[0] as { host?: string; port?: number } | undefined;
        const timer = setTimeout(() => socket.destroy(timeoutError(`no connection to ${to?.host ?? 'the server'}:${to?.port ?? ''} within ${ms} ms`)), ms);
        const clear = (): void => clearTimeout(timer);
        socket.once('connect', clear);
        socket.once('close', clear);
      }
      return socket;
    };
  }

  request(r: OutgoingRequest): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const signal = r.signal;
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      let settled = false;
      let sendingStopped = false;
      let req: ClientRequest;
      // As a flat list: node then writes the head as given (still validating each header) instead of going through setHeader.
      const headers: string[] = [];
      for (const name of Object.keys(r.headers)) headers.push(name, r.headers[name] as string);
      try {
        req = this.send({ agent: this.agent, hostname: r.hostname, port: r.port, method: r.method, path: r.path, headers: headers as unknown as RequestOptions['headers'] });
      } catch (err) {
        // Invalid header names or values (node refuses them before anything is sent).
        reject(err as Error);
        return;
      }
      const fail = (err: Error): void => {
        if (!req.destroyed) req.destroy(err);
        if (settled) return;
        settled = true;
        reject(err);
      };
      req.on('error', fail);
      const onAbort = (): void => fail(abortError());
      if (signal) {
        signal.addEventListener('abort', onAbort, { once: true });
        req.once('close', () => signal.removeEventListener('abort', onAbort));
      }
      req.on('timeout', () => {
        fail(timeoutError(`the request socket timed out after ${this.options.socketTimeoutMs} ms of inactivity`));
      });
      const body = r.body;
      req.once('response', (res: IncomingMessage) => {
        if (body !== undefined && !req.writableEnded) {
          // Answered before the whole body went out (a refusal): stop sending, and once the
          // answer is read, drop the connection, which can carry no further request.
          if (!Buffer.isBuffer(body)) body.unpipe(req);
          sendingStopped = true;
          res.once('end', () => req.destroy());
        }
        if (settled) {
          res.resume();
          return;
        }
        settled = true;
        resolve(res);
      });

      if (body === undefined) {
        req.end();
      } else if (Buffer.isBuffer(body)) {
        req.end(body);
      } else {
        // The guarded body fails when its source does: abort the request rather than wait for bytes that never come.
        body.on('error', fail);
        if (r.expectContinue) {
          let sent = false;
          const sendBody = (): void => {
            clearTimeout(wait);
            if (sent || settled || sendingStopped) return;
            sent = true;
            body.pipe(req);
          };
          const wait = setTimeout(sendBody, this.options.continueTimeoutMs);
          req.once('continue', sendBody);
          req.once('close', () => clearTimeout(wait));
          req.flushHeaders();
        } else {
          body.pipe(req);
        }
      }
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/** The whole body of a response (or any stream). Rejects if it closes before it ends. */
export function readBody(res: Readable): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    res.on('error', reject);
    res.once('close', () => {
      if (!ended) reject(Object.assign(new Error('aborted: the response ended early'), { code: 'ECONNRESET' }));
    });
  });
}
