import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { S3Spec } from '../stores/index.js';
import { providerQuirks } from '../stores/s3/index.js';
import { HttpTransport } from '../stores/s3/lean/http.js';
import { LeanS3Client } from '../stores/s3/lean/lean-s3-client.js';
import { EMPTY_SHA256, SigV4Signer, UNSIGNED_PAYLOAD, canonicalQuery, encodeKeyPath } from '../stores/s3/lean/sigv4.js';

export interface ForwardRequest {
  method: string;
  /** Key relative to the mirror's bucket (the destination's prefix is added here); undefined for the bucket. */
  key: string | undefined;
  query: ReadonlyMap<string, string>;
  /** Lower-case names; what the client sent, minus its own signing and framing headers. */
  headers: Record<string, string>;
  body?: Readable | Buffer | undefined;
  /** Bytes of `body`. */
  length?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Bodies from this size on wait for `100 Continue`, so a refused upload sends nothing (as the lean client does). */
const EXPECT_CONTINUE_BYTES = 2 * 1024 * 1024;

/** Query parameters of the client's own presigned URL: never sent on. */
const PRESIGN_PARAMS = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-signedheaders', 'x-amz-signature', 'x-amz-security-token', 'x-amz-content-sha256']);

/**
 * Sends requests on to an S3 destination signed with the destination's own
 * credentials: the mirror's writes are the client's requests, re-addressed
 * (bucket, prefix) and re-signed, bodies streamed through unhashed.
 */
export class S3Forwarder {
  readonly bucket: string;
  readonly prefix: string;
  private readonly http: HttpTransport;
  private readonly signer: SigV4Signer | undefined;
  private readonly locator: LeanS3Client;
  private readonly port: number;

  constructor(spec: S3Spec) {
    const quirks = providerQuirks(spec.provider);
    const url = new URL(spec.endpoint);
    this.bucket = spec.bucket;
    this.prefix = spec.prefix;
    this.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const region = spec.region ?? quirks.defaultRegion;
    // Only its addressing rules are used (virtual host or path, base path): one place decides where a bucket lives.
    this.locator = new LeanS3Client({ endpoint: spec.endpoint, region, pathStyle: spec.pathStyle ?? quirks.pathStyle });
    this.signer = spec.credentials ? new SigV4Signer(spec.credentials, region, 's3') : undefined;
    this.http = new HttpTransport(url.protocol, { maxSockets: 256, keepAliveMsecs: 10_000, connectionTimeoutMs: 10_000, socketTimeoutMs: 120_000, continueTimeoutMs: 6_000 });
  }

  /** The destination's key for a mirror key. */
  fullKey(key: string): string {
    return this.prefix + key;
  }

  /** `x-amz-copy-source` naming a mirror key at the destination. */
  copySource(key: string, versionId: string | undefined): string {
    return `${this.bucket}/${encodeKeyPath(this.fullKey(key))}${versionId === undefined ? '' : `?versionId=${encodeURIComponent(versionId)}`}`;
  }

  async send(r: ForwardRequest): Promise<IncomingMessage> {
    const { hostname, host, path } = this.locator.target(this.bucket, r.key === undefined ? undefined : this.fullKey(r.key));
    const params: Record<string, string> = {};
    for (const [name, value] of r.query) if (!PRESIGN_PARAMS.has(name.toLowerCase())) params[name] = value;
    const query = canonicalQuery(params);
    const headers: Record<string, string> = { ...r.headers, host };
    const body = r.body;
    if (body !== undefined) headers['content-length'] = String(r.length ?? (Buffer.isBuffer(body) ? body.length : 0));
    else if (r.method === 'PUT' || r.method === 'POST') headers['content-length'] = '0';
    this.signer?.sign({ method: r.method, path, query, headers }, { payloadHash: body === undefined ? EMPTY_SHA256 : UNSIGNED_PAYLOAD });
    const expectContinue = body !== undefined && !Buffer.isBuffer(body) && (r.length ?? 0) >= EXPECT_CONTINUE_BYTES;
    if (expectContinue) headers.expect = '100-continue';
    return this.http.request({ method: r.method, hostname, port: this.port, path: query ? `${path}?${query}` : path, headers, body, expectContinue, signal: r.signal });
  }

  close(): void {
    this.http.destroy();
    this.locator.destroy();
  }
}
