import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { FerryError } from '../../core/index.js';
import { networkError } from './http-errors.js';

export interface HttpClientOptions {
  /** Open connections per host. @defaultValue 64 */
  maxSockets?: number;
  /** Idle time on a socket (connecting, waiting, or mid-body) before giving up. @defaultValue 60000 */
  timeoutMs?: number;
  /** @defaultValue 5 */
  maxRedirects?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Raw bytes as sent. Must be consumed or destroyed. */
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A minimal GET/HEAD client on node:http. Not `fetch`: undici decodes any
 * response with `Content-Encoding: gzip` (even when asked for identity), so a
 * pre-compressed object would arrive as different bytes than its
 * Content-Length says. A copy must carry the bytes as stored.
 */
export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;

  constructor(options: HttpClientOptions = {}) {
    const maxSockets = options.maxSockets ?? 64;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRedirects = options.maxRedirects ?? 5;
  }

  async request(method: 'GET' | 'HEAD', url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const res = await this.send(method, current, headers, signal);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) {
        return { status: res.statusCode ?? 0, headers: res.headers, body: res, url: current };
      }
      res.resume();
      if (hop >= this.maxRedirects) throw new FerryError('SERVER_ERROR', `${method} ${url}: more than ${this.maxRedirects} redirects`);
      current = new URL(location, current).href;
    }
  }

  /** Closes idle keep-alive sockets and any still in use. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private send(method: string, url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    if (!isHttps && target.protocol !== 'http:') {
      return Promise.reject(new FerryError('SERVER_ERROR', `${method} ${url}: cannot follow a ${target.protocol} URL`));
    }
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(target, {
        method,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        // Ask for the stored bytes, not an on-the-fly compressed variant.
        headers: { 'accept-encoding': 'identity', 'user-agent': 'ferry', ...headers },
        timeout: this.timeoutMs,
        signal,
      });
      req.on('response', resolve);
      req.on('timeout', () => {
        req.destroy(new FerryError('TIMEOUT', `${method} ${url}: no data for ${this.timeoutMs} ms`, { retryable: true }));
      });
      req.on('error', (err) => reject(signal?.aborted ? signal.reason : networkError(err, `${method} ${url}`)));
      req.end();
    });
  }
}
