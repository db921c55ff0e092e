import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD } from '../stores/s3/lean/sigv4.js';
import { S3Fault, notImplemented } from './s3-fault.js';
import { checksumFor, type BodyChecksum } from './trailer-checksum.js';
import { hmacHex, safeEqualHex, type AuthResult, type ChunkSigning } from './sigv4-verify.js';

/** Longest chunk header or trailer line accepted (a chunk header is about 90 bytes). */
const MAX_LINE = 4096;

/** A request body as the object's bytes, checked on the way as the client's signature promises. */
export interface DecodedBody {
  body: Transform;
  /** Bytes the body will deliver (the object's size, without any aws-chunked framing). */
  length: number;
}

/**
 * Turns an incoming write's body into the payload to forward, checking what
 * its signature covers: a hex `x-amz-content-sha256` is the SHA-256 of the
 * bytes; `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` bodies come in `aws-chunked`
 * framing with each chunk signed; `...-TRAILER` variants end with a checksum
 * trailer (and its signature when signed); `UNSIGNED-PAYLOAD` is taken as
 * sent. The last bytes are held back until every check passed, so a
 * forwarded upload whose body fails a check never completes at the
 * destination. Undefined for a request without a body.
 */
export function decodeRequestBody(req: IncomingMessage, auth: AuthResult): DecodedBody | undefined {
  const headers = req.headers;
  const payloadHash = auth.kind === 'signed' ? auth.payloadHash : UNSIGNED_PAYLOAD;
  const encoding = (headers['content-encoding'] ?? '').toLowerCase();
  const chunked = payloadHash.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
  let decoder: BodyDecoder;
  if (chunked) {
    if (payloadHash.includes('ECDSA')) throw notImplemented('SigV4a (ECDSA) streaming signatures');
    const decodedHeader = headers['x-amz-decoded-content-length'];
    const decodedText = Array.isArray(decodedHeader) ? decodedHeader[0] : decodedHeader;
    if (decodedText === undefined || !/^\d+$/.test(decodedText)) throw new S3Fault('MissingContentLength', 411, 'You must provide the Content-Length HTTP header (x-amz-decoded-content-length for aws-chunked bodies).');
    const signed = payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') && auth.kind === 'signed';
    const trailerHeader = headers['x-amz-trailer'];
    const trailerName = Array.isArray(trailerHeader) ? trailerHeader.join(',') : trailerHeader;
    const withTrailer = payloadHash.endsWith('-TRAILER') || trailerName !== undefined;
    let checksum: BodyChecksum | undefined;
    if (trailerName !== undefined) {
      checksum = checksumFor(trailerName.trim());
      if (!checksum) throw notImplemented(`the trailing checksum ${trailerName}`);
    }
    decoder = new BodyDecoder({
      expected: Number(decodedText),
      chunked: { signing: signed && auth.kind === 'signed' ? auth.chunk : undefined, trailer: withTrailer ? { name: trailerName?.trim().toLowerCase(), checksum } : undefined },
    });
    return attach(req, decoder, Number(decodedText));
  }
  const lengthText = headers['content-length'];
  if (lengthText === undefined) {
    if (headers['transfer-encoding'] !== undefined) throw new S3Fault('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.');
    return undefined;
  }
  const length = Number(lengthText);
  if (length === 0 && payloadHash !== UNSIGNED_PAYLOAD && payloadHash !== EMPTY_SHA256) throw sha256Mismatch();
  const sha256 = /^[0-9a-f]{64}$/.test(payloadHash) ? payloadHash : undefined;
  decoder = new BodyDecoder({ expected: length, sha256 });
  return attach(req, decoder, length);
}

function attach(req: IncomingMessage, decoder: BodyDecoder, length: number): DecodedBody {
  // A client that goes away mid-body fails the body, which aborts whatever it was being sent to.
  req.once('close', () => {
    if (!req.complete) decoder.destroy(new S3Fault('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header'));
  });
  req.on('error', (err) => decoder.destroy(err));
  req.pipe(decoder);
  return { body: decoder, length };
}

interface DecoderOptions {
  /** Payload bytes expected in all. */
  expected: number;
  /** Hex SHA-256 the payload must have. */
  sha256?: string | undefined;
  chunked?: {
    signing: ChunkSigning | undefined;
    trailer: { name: string | undefined; checksum: BodyChecksum | undefined } | undefined;
  };
}

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/** Decodes (aws-chunked) and checks a body; see `decodeRequestBody`. */
export class BodyDecoder extends Transform {
  private held: Buffer | undefined;
  private payloadBytes = 0;
  private readonly sha: Hash | undefined;
  private readonly chunked: DecoderOptions['chunked'];
  private state: State = 'size';
  private line: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;
  private chunkHash: Hash | undefined;
  private chunkSignature = '';
  private previousSignature: string;
  private crlf = 0;
  private readonly trailers = new Map<string, string>();

  constructor(private readonly options: DecoderOptions) {
    super();
    this.sha = options.sha256 ? createHash('sha256') : undefined;
    this.chunked = options.chunked;
    this.previousSignature = options.chunked?.signing?.seedSignature ?? '';
  }

  override _transform(buf: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (this.chunked) this.decodeChunked(buf);
      else this.payload(buf);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.chunked && this.state !== 'done') throw incomplete('the aws-chunked body ended before its last chunk');
      if (this.payloadBytes !== this.options.expected) throw incomplete(`the body has ${this.payloadBytes} bytes, not the ${this.options.expected} announced`);
      if (this.sha && this.sha.digest('hex') !== this.options.sha256) throw sha256Mismatch();
      if (this.chunked?.trailer) this.checkTrailer();
      if (this.held) this.push(this.held);
      this.held = undefined;
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  /** Payload bytes: counted, hashed, and passed on one piece late. */
  private payload(piece: Buffer): void {
    if (piece.length === 0) return;
    this.payloadBytes += piece.length;
    if (this.payloadBytes > this.options.expected) throw incomplete(`the body is longer than the ${this.options.expected} bytes announced`);
    this.sha?.update(piece);
    this.chunked?.trailer?.checksum?.update(piece);
    this.chunkHash?.update(piece);
    if (this.held) this.push(this.held);
    this.held = piece;
  }

  private decodeChunked(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const nl = buf.indexOf(10, i);
          const end = nl < 0 ? buf.length : nl;
          this.lineBytes += end - i;
          if (this.lineBytes > MAX_LINE) throw incomplete('an aws-chunked header line is too long');
          this.line.push(buf.subarray(i, end));
          i = end;
          if (nl < 0) break;
          i = nl + 1;
          const text = Buffer.concat(this.line).toString('latin1').replace(/\r$/, '');
          this.line = [];
          this.lineBytes = 0;
          if (this.state === 'size') this.chunkHeader(text);
          else this.trailerLine(text);
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - i);
          this.payload(buf.subarray(i, i + n));
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) {
            this.endChunk();
            this.state = 'data-end';
            this.crlf = 0;
          }
          break;
        }
        case 'data-end': {
          const expected = this.crlf === 0 ? 13 : 10;
          if (buf[i] !== expected) throw incomplete('an aws-chunked chunk does not end with CRLF');
          i++;
          if (++this.crlf === 2) this.state = 'size';
          break;
        }
        case 'done':
          // Some clients end with one more blank line than the framing needs.
          if (buf[i] !== 13 && buf[i] !== 10) throw incomplete('bytes after the last aws-chunked chunk');
          i++;
          break;
      }
    }
  }

  private chunkHeader(text: string): void {
    const semi = text.indexOf(';');
    const sizeText = (semi < 0 ? text : text.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,15}$/.test(sizeText)) throw incomplete(`bad aws-chunked chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
    const size = parseInt(sizeText, 16);
    const signing = this.chunked?.signing;
    if (signing) {
      const m = /chunk-signature=([0-9a-f]{64})/.exec(semi < 0 ? '' : text.slice(semi + 1));
      if (!m) throw new S3Fault('SignatureDoesNotMatch', 403, 'an aws-chunked chunk has no chunk-signature');
      this.chunkSignature = m[1] as string;
      this.chunkHash = createHash('sha256');
    }
    if (size === 0) {
      this.endChunk();
      this.state = 'trailer';
      // Without a trailer the zero chunk is followed by one empty line.
      return;
    }
    this.remaining = size;
    this.state = 'data';
  }

  /** Checks a finished chunk's signature, chained from the previous one. */
  private endChunk(): void {
    const signing = this.chunked?.signing;
    if (!signing || !this.chunkHash) return;
    const text = `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${this.previousSignature}\n${EMPTY_SHA256}\n${this.chunkHash.digest('hex')}`;
    if (!safeEqualHex(hmacHex(signing.signingKey, text), this.chunkSignature)) {
      throw new S3Fault('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided (aws-chunked chunk).');
    }
    this.previousSignature = this.chunkSignature;
    this.chunkHash = undefined;
  }

  private trailerLine(text: string): void {
    if (text === '') {
      this.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0 || !this.chunked?.trailer) throw incomplete(`unexpected aws-chunked trailer ${JSON.stringify(text.slice(0, 40))}`);
    this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
  }

  private checkTrailer(): void {
    const trailer = this.chunked?.trailer;
    if (!trailer) return;
    const signing = this.chunked?.signing;
    if (signing) {
      const given = this.trailers.get('x-amz-trailer-signature');
      let canonical = '';
      for (const [name, value] of this.trailers) if (name !== 'x-amz-trailer-signature') canonical += `${name}:${value}\n`;
      const text = `AWS4-HMAC-SHA256-TRAILER\n${signing.amzDate}\n${signing.scope}\n${this.previousSignature}\n${createHash('sha256').update(canonical, 'latin1').digest('hex')}`;
      if (given === undefined || !safeEqualHex(hmacHex(signing.signingKey, text), given)) {
        throw new S3Fault('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided (aws-chunked trailer).');
      }
    }
    if (trailer.name && trailer.checksum) {
      const given = this.trailers.get(trailer.name);
      if (given === undefined) throw new S3Fault('InvalidRequest', 400, `The ${trailer.name} trailer announced in x-amz-trailer is missing`);
      const actual = trailer.checksum.base64();
      if (given !== actual) {
        throw new S3Fault('BadDigest', 400, `The ${trailer.name.slice('x-amz-checksum-'.length).toUpperCase()} you specified did not match the calculated checksum.`);
      }
    }
  }
}

function incomplete(why: string): S3Fault {
  return new S3Fault('IncompleteBody', 400, `The request body is not what was announced: ${why}`);
}

function sha256Mismatch(): S3Fault {
  return new S3Fault('XAmzContentSHA256Mismatch', 400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.');
}
