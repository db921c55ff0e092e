import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SigV4Signer, amzDateOf, canonicalHeaderValue, signatureOf, uriEncode, UNSIGNED_PAYLOAD, type SigV4Credentials } from '../stores/s3/lean/sigv4.js';
import { accessDenied, S3Fault } from './s3-fault.js';
import { parseQuery } from './request-target.js';

/** SigV4 allows a request's clock to be this far from the server's. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL lives at most seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface IncomingSignable {
  method: string;
  /** Path and query as sent, still encoded. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
}

/** What the signing of a streamed (`aws-chunked`) body needs: each chunk is signed with the seed request's key. */
export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export type AuthResult =
  | { kind: 'anonymous' }
  | {
      kind: 'signed';
      accessKeyId: string;
      /** `x-amz-content-sha256` as signed: a hex hash, `UNSIGNED-PAYLOAD` or a `STREAMING-...` mode. */
      payloadHash: string;
      presigned: boolean;
      chunk: ChunkSigning;
    };

/**
 * Checks an incoming request's AWS Signature Version 4 (Authorization header
 * or presigned query) against the mirror's own credentials, as S3 does: an
 * unknown key is `InvalidAccessKeyId`, a wrong signature
 * `SignatureDoesNotMatch`, a clock off by more than 15 minutes
 * `RequestTimeTooSkewed`, an expired presigned URL `AccessDenied`. The
 * signing key is derived with the lean client's own signer; the body is
 * verified later, as it streams (see `payloadHash`).
 */
export class SigV4Verifier {
  private readonly signers = new Map<string, SigV4Signer>();

  constructor(
    private readonly credentials: readonly SigV4Credentials[],
    private readonly now: () => number = Date.now,
  ) {}

  verify(req: IncomingSignable): AuthResult {
    const auth = req.headers.authorization;
    if (auth !== undefined) return this.verifyHeader(req, auth);
    const q = req.rawUrl.indexOf('?');
    const query = parseQuery(q < 0 ? '' : req.rawUrl.slice(q + 1));
    if (query.has('X-Amz-Signature')) return this.verifyPresigned(req, query);
    if (query.has('Signature') && query.has('AWSAccessKeyId')) throw unsupportedV2();
    return { kind: 'anonymous' };
  }

  private verifyHeader(req: IncomingSignable, auth: string): AuthResult {
    if (auth.startsWith('AWS ')) throw unsupportedV2();
    if (!auth.startsWith('AWS4-HMAC-SHA256 ')) throw new S3Fault('InvalidArgument', 400, 'Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: auth.split(' ')[0] ?? '' });
    const fields = new Map<string, string>();
    for (const part of auth.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get('Credential');
    const signedHeaders = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (!credential || !signedHeaders || !signature) throw malformed('the Authorization header needs Credential, SignedHeaders and Signature');
    const amzDate = headerValue(req.headers['x-amz-date']) ?? amzDateOfHttpDate(headerValue(req.headers.date));
    if (amzDate === undefined) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    const when = parseAmzDate(amzDate);
    if (when === undefined) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    if (Math.abs(this.now() - when) > MAX_CLOCK_SKEW_MS) {
      throw new S3Fault('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', {
        RequestTime: amzDate,
        ServerTime: amzDateOf(this.now()),
        MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
      });
    }
    const payloadHash = headerValue(req.headers['x-amz-content-sha256']);
    if (payloadHash === undefined) throw new S3Fault('InvalidRequest', 400, 'Missing required header for this request: x-amz-content-sha256');
    if (!/^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== UNSIGNED_PAYLOAD && !payloadHash.startsWith('STREAMING-')) {
      throw new S3Fault('InvalidArgument', 400, 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a hex SHA-256', { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash });
    }
    const { accessKeyId, scope, signer } = this.scopeOf(credential, amzDate);
    const names = signedHeaders.split(';');
    if (!names.includes('host')) throw accessDenied('the Host header must be signed');
    const rawPath = pathOf(req.rawUrl);
    const canonicalQueryString = canonicalQueryOf(queryOf(req.rawUrl), undefined);
    const headerBlock = canonicalHeaders(req.headers, names);
    const key = signer.signingKey(amzDate.slice(0, 8));
    const matches = (path: string): string | undefined => {
      const canonical = `${req.method}\n${path}\n${canonicalQueryString}\n${headerBlock}\n${signedHeaders}\n${payloadHash}`;
      const expected = signatureOf(key, amzDate, scope, canonical);
      return safeEqualHex(expected, signature) ? expected : undefined;
    };
    const ok = candidatePaths(rawPath).some((p) => matches(p) !== undefined);
    if (!ok) throw signatureMismatch(accessKeyId);
    return { kind: 'signed', accessKeyId, payloadHash, presigned: false, chunk: { signingKey: key, amzDate, scope, seedSignature: signature } };
  }

  private verifyPresigned(req: IncomingSignable, query: Map<string, string>): AuthResult {
    if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new S3Fault('AuthorizationQueryParametersError', 400, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    const credential = query.get('X-Amz-Credential');
    const amzDate = query.get('X-Amz-Date');
    const expiresText = query.get('X-Amz-Expires');
    const signedHeaders = query.get('X-Amz-SignedHeaders');
    const signature = query.get('X-Amz-Signature') ?? '';
    if (!credential || !amzDate || !expiresText || !signedHeaders) {
      throw new S3Fault('AuthorizationQueryParametersError', 400, 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
    }
    const when = parseAmzDate(amzDate);
    const expires = /^\d+$/.test(expiresText) ? Number(expiresText) : NaN;
    if (when === undefined) throw new S3Fault('AuthorizationQueryParametersError', 400, 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"');
    if (!(expires >= 1 && expires <= MAX_PRESIGN_SECONDS)) throw new S3Fault('AuthorizationQueryParametersError', 400, 'X-Amz-Expires must be between 1 and 604800 seconds');
    const now = this.now();
    if (when - now > MAX_CLOCK_SKEW_MS) throw accessDenied('Request is not valid yet');
    if (now > when + expires * 1000) throw accessDenied('Request has expired');
    const { accessKeyId, scope, signer } = this.scopeOf(credential, amzDate);
    const names = signedHeaders.split(';');
    if (!names.includes('host')) throw accessDenied('the Host header must be signed');
    const payloadHash = headerValue(req.headers['x-amz-content-sha256']) ?? query.get('X-Amz-Content-Sha256') ?? query.get('x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
    const canonicalQueryString = canonicalQueryOf(queryOf(req.rawUrl), 'X-Amz-Signature');
    const headerBlock = canonicalHeaders(req.headers, names);
    const key = signer.signingKey(amzDate.slice(0, 8));
    const ok = candidatePaths(pathOf(req.rawUrl)).some((path) => {
      const canonical = `${req.method}\n${path}\n${canonicalQueryString}\n${headerBlock}\n${signedHeaders}\n${payloadHash}`;
      return safeEqualHex(signatureOf(key, amzDate, scope, canonical), signature);
    });
    if (!ok) throw signatureMismatch(accessKeyId);
    return { kind: 'signed', accessKeyId, payloadHash, presigned: true, chunk: { signingKey: key, amzDate, scope, seedSignature: signature } };
  }

  /** The credential scope `AK/day/region/s3/aws4_request`: a known key, today's date, the s3 service. */
  private scopeOf(credential: string, amzDate: string): { accessKeyId: string; scope: string; signer: SigV4Signer } {
    const parts = credential.split('/');
    if (parts.length !== 5 || parts[4] !== 'aws4_request') throw malformed(`the Credential ${JSON.stringify(credential)} is not AK/DATE/REGION/s3/aws4_request`);
    const [accessKeyId, day, region, service] = parts as [string, string, string, string, string];
    const creds = this.credentials.find((c) => c.accessKeyId === accessKeyId);
    if (!creds) throw new S3Fault('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
    if (day !== amzDate.slice(0, 8)) throw malformed(`the Credential date ${day} is not the request date ${amzDate.slice(0, 8)}`);
    if (service !== 's3') throw malformed(`the Credential service must be s3, not ${JSON.stringify(service)}`);
    // Any region is accepted: the mirror stands for one bucket wherever clients think it is.
    const id = `${accessKeyId}\n${region}`;
    let signer = this.signers.get(id);
    if (!signer) {
      // Regions are the client's to choose: keep the cache of derived keys small whatever they send.
      if (this.signers.size >= 64) this.signers.clear();
      signer = new SigV4Signer(creds, region, 's3');
      this.signers.set(id, signer);
    }
    return { accessKeyId, scope: `${day}/${region}/s3/aws4_request`, signer };
  }
}

/** HMAC of a string to sign with the request's signing key, hex (chunk and trailer signatures). */
export function hmacHex(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'latin1').digest('hex');
}

export function safeEqualHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * `name:value\n` for each signed header, each value canonical as the signer
 * makes it (ASCII blanks only: a UTF-8 value arrives as latin1 chars, whose
 * 0xA0 bytes String.trim would take for spaces).
 */
function canonicalHeaders(headers: IncomingHttpHeaders, names: readonly string[]): string {
  let out = '';
  for (const name of names) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.map(canonicalHeaderValue).join(',') : canonicalHeaderValue(raw ?? '');
    out += `${name}:${value}\n`;
  }
  return out;
}

function pathOf(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  return q < 0 ? rawUrl : rawUrl.slice(0, q);
}

function queryOf(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  return q < 0 ? '' : rawUrl.slice(q + 1);
}

/**
 * The canonical URI: the path as sent (clients that follow S3's rules send
 * it encoded exactly once), else each segment decoded and encoded again for
 * clients that leave characters such as `!` or `*` unencoded on the wire.
 */
function candidatePaths(rawPath: string): string[] {
  let normal: string;
  try {
    normal = rawPath.split('/').map((seg) => uriEncode(decodeURIComponent(seg))).join('/');
  } catch {
    return [rawPath];
  }
  return normal === rawPath ? [rawPath] : [rawPath, normal];
}

/** Every parameter (but `skip`) decoded and encoded again, sorted by name then value. */
function canonicalQueryOf(rawQuery: string, skip: string | undefined): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      throw new S3Fault('InvalidURI', 400, 'Couldn\'t parse the specified URI.');
    }
    if (name === skip) continue;
    pairs.push([uriEncode(name), uriEncode(value)]);
  }
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** `20130524T000000Z` → ms, or undefined. */
export function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

function amzDateOfHttpDate(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : amzDateOf(ms);
}

function malformed(why: string): S3Fault {
  return new S3Fault('AuthorizationHeaderMalformed', 400, `The authorization header is malformed; ${why}`);
}

function signatureMismatch(accessKeyId: string): S3Fault {
  return new S3Fault('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
    AWSAccessKeyId: accessKeyId,
  });
}

function unsupportedV2(): S3Fault {
  return new S3Fault('InvalidRequest', 400, 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
}
