import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { MIRROR_HEADER } from './mirror-identity.js';
import { errorXml, type S3Fault } from './s3-fault.js';

/**
 * One request and its answer, with what the access log needs: what the
 * mirror did (hit, miss, ...), the status and the body bytes sent.
 */
export class Exchange {
  readonly requestId = randomBytes(8).toString('hex').toUpperCase();
  readonly started = Date.now();
  /** hit, miss, join, fill-wait, source, absent, list, pass, denied, error... */
  outcome = '-';
  bytes = 0;
  /** The object key (or bucket-level resource) for the log. */
  resource = '/';

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    identity: string,
  ) {
    res.setHeader('x-amz-request-id', this.requestId);
    res.setHeader('x-amz-id-2', this.requestId);
    res.setHeader('server', 'Ferry');
    res.setHeader(MIRROR_HEADER, identity);
  }

  get status(): number {
    return this.res.statusCode;
  }

  get isHead(): boolean {
    return this.req.method === 'HEAD';
  }

  /** A complete answer with a small body (or none). */
  send(status: number, headers: Record<string, string>, body?: string | Buffer): void {
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    this.res.writeHead(status, { ...headers, 'content-length': String(payload?.length ?? 0) });
    if (payload && !this.isHead) this.bytes += payload.length;
    this.res.end(this.isHead ? undefined : payload);
  }

  /** The answer to a HEAD: an object's headers and its length, no body. */
  sendHead(headers: Record<string, string>, length: number): void {
    this.res.writeHead(200, { ...headers, 'content-length': String(length) });
    this.res.end();
  }

  xml(status: number, body: string): void {
    this.send(status, { 'content-type': 'application/xml' }, body);
  }

  /** An S3 error document (headers only for a HEAD, as S3 does). */
  fail(fault: S3Fault): void {
    if (this.res.headersSent) {
      // Mid-body: the only honest signal left is to cut the connection.
      this.res.destroy();
      return;
    }
    this.xml(fault.status, errorXml(fault, this.resource, this.requestId));
  }

  /**
   * Streams `body` (exactly `length` bytes) as the answer; resolves once it
   * is sent or the client went away. A body that fails midway cuts the
   * connection, so the client sees a short read, never a silently truncated
   * object.
   */
  stream(status: number, headers: Record<string, string>, body: Readable, length: number): Promise<void> {
    this.res.writeHead(status, { ...headers, 'content-length': String(length) });
    if (this.isHead) {
      body.destroy();
      this.res.end();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      body.on('data', (chunk: Buffer) => {
        this.bytes += chunk.length;
      });
      body.once('error', () => {
        this.res.destroy();
        resolve();
      });
      this.res.once('close', () => {
        if (!this.res.writableFinished) body.destroy();
        resolve();
      });
      body.pipe(this.res);
    });
  }
}
