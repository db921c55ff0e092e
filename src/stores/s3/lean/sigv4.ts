import { createHash, createHmac } from 'node:crypto';

/** `x-amz-content-sha256` of a streamed body, which is not hashed before it is sent. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** SHA-256 of no bytes: the payload hash of a request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignableRequest {
  method: string;
  /** The canonical URI: the path exactly as sent, each segment already URI-encoded once (S3 rules: no normalising, no double encoding). */
  path: string;
  /** The canonical query string: `name=value` pairs encoded and sorted (see `canonicalQuery`), or `''`. */
  query: string;
  /**
   * Lower-case names. Every header here is signed; `sign` adds `x-amz-date`,
   * `x-amz-content-sha256` (unless told not to), `x-amz-security-token` and
   * `authorization`.
   */
  headers: Record<string, string>;
}

export interface SignOptions {
  /** Hex SHA-256 of the body, `UNSIGNED_PAYLOAD` or `EMPTY_SHA256`. */
  payloadHash: string;
  /** When the request is signed (ms since the epoch); now by default. */
  now?: number | undefined;
  /** Send the payload hash as `x-amz-content-sha256` (S3 requires it; the generic test suite has none). */
  contentSha256Header?: boolean | undefined;
}

/** Headers never signed: proxies may add, change or drop them. */
const UNSIGNED_HEADERS = new Set(['authorization', 'user-agent', 'expect', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * AWS Signature Version 4 in the `Authorization` header, with node:crypto:
 * one SHA-256 and one HMAC per request, the signing key derived once a day.
 */
export class SigV4Signer {
  private keyDate = '';
  private key: Buffer | undefined;
  private readonly scopeTail: string;
  private readonly credentialPrefix: string;

  constructor(
    private readonly credentials: SigV4Credentials,
    readonly region: string,
    readonly service = 's3',
  ) {
    this.scopeTail = `/${region}/${service}/aws4_request`;
    this.credentialPrefix = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/`;
  }

  /** Adds the signature (and the headers it covers) to `request.headers`. */
  sign(request: SignableRequest, options: SignOptions): void {
    const headers = request.headers;
    const amzDate = amzDateOf(options.now ?? Date.now());
    const day = amzDate.slice(0, 8);
    headers['x-amz-date'] = amzDate;
    if (options.contentSha256Header !== false) headers['x-amz-content-sha256'] = options.payloadHash;
    if (this.credentials.sessionToken) headers['x-amz-security-token'] = this.credentials.sessionToken;

    const names = Object.keys(headers).filter((n) => !UNSIGNED_HEADERS.has(n)).sort();
    let canonicalHeaders = '';
    for (const name of names) canonicalHeaders += `${name}:${canonicalHeaderValue(headers[name] as string)}\n`;
    const signedHeaders = names.join(';');
    const canonical = `${request.method}\n${request.path}\n${request.query}\n${canonicalHeaders}\n${signedHeaders}\n${options.payloadHash}`;
    const scope = day + this.scopeTail;
    const signature = signatureOf(this.signingKey(day), amzDate, scope, canonical);
    headers.authorization = `${this.credentialPrefix}${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  }

  /** HMAC chain of the secret over date, region, service and `aws4_request`; the same all day. */
  signingKey(day: string): Buffer {
    if (this.key === undefined || this.keyDate !== day) {
      const kDate = hmac(`AWS4${this.credentials.secretAccessKey}`, day);
      const kRegion = hmac(kDate, this.region);
      const kService = hmac(kRegion, this.service);
      this.key = hmac(kService, 'aws4_request');
      this.keyDate = day;
    }
    return this.key;
  }
}

/**
 * The signature of a canonical request with a day's signing key. Header
 * values travel as latin1 (one byte per char, what node:http writes and
 * reads), so they are hashed that way.
 */
export function signatureOf(signingKey: Buffer, amzDate: string, scope: string, canonical: string): string {
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical, 'latin1').digest('hex')}`;
  return createHmac('sha256', signingKey).update(stringToSign, 'latin1').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

let lastSecond = -1;
let lastAmzDate = '';

/** `YYYYMMDDTHHMMSSZ`, as x-amz-date wants it. */
export function amzDateOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString();
    lastAmzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    lastSecond = second;
  }
  return lastAmzDate;
}

const SPACES = /[ \t]+/g;
const NEEDS_TRIM = /^[ \t]|[ \t]$|[ \t]{2}|\t/;
const EDGES = /^[ \t]+|[ \t]+$/g;

/**
 * Trimmed, with runs of spaces as one space (what the server does before
 * comparing). ASCII blanks only: a UTF-8 value arrives as latin1 chars, and
 * `\s` would take its 0xA0 bytes (U+00A0) for spaces.
 */
export function canonicalHeaderValue(value: string): string {
  return NEEDS_TRIM.test(value) ? value.replace(EDGES, '').replace(SPACES, ' ') : value;
}

const RFC3986_EXTRA = /[!'()*]/g;
const escapeExtra = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/** Percent-encodes every byte but the RFC 3986 unreserved characters `A-Z a-z 0-9 - . _ ~`. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(RFC3986_EXTRA, escapeExtra);
}

/** An object key as an S3 canonical URI path: each segment encoded once, the slashes kept. */
export function encodeKeyPath(key: string): string {
  return uriEncode(key).replace(/%2F/g, '/');
}

/**
 * The canonical query string of these parameters (undefined values left out):
 * names and values encoded, pairs sorted by name then value. The same string
 * is sent as the request's query, so nothing is encoded twice.
 */
export function canonicalQuery(params: Record<string, string | undefined>): string {
  const pairs: string[] = [];
  for (const name of Object.keys(params)) {
    const value = params[name];
    if (value !== undefined) pairs.push(`${uriEncode(name)}=${uriEncode(value)}`);
  }
  // By name, then value: comparing whole pairs would put `a-b=1` before `a=1` (`-` sorts below `=`).
  return pairs.sort(comparePairs).join('&');
}

function comparePairs(a: string, b: string): number {
  const ia = a.indexOf('=');
  const ib = b.indexOf('=');
  const na = a.slice(0, ia);
  const nb = b.slice(0, ib);
  if (na !== nb) return na < nb ? -1 : 1;
  const va = a.slice(ia + 1);
  const vb = b.slice(ib + 1);
  return va === vb ? 0 : va < vb ? -1 : 1;
}
