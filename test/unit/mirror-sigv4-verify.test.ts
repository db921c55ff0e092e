// The mirror's check of incoming SigV4 signatures, pinned to the S3 API
// reference's published examples (header, presigned URL) and to requests
// signed by the lean client's own signer.
import { describe, expect, it } from 'vitest';
import { S3Fault } from '../../src/mirror/s3-fault.js';
import { SigV4Verifier, type AuthResult } from '../../src/mirror/sigv4-verify.js';
import { EMPTY_SHA256, SigV4Signer, UNSIGNED_PAYLOAD, canonicalQuery, encodeKeyPath } from '../../src/stores/s3/lean/sigv4.js';

const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2013, 4, 24, 0, 0, 0);
const HOST = 'examplebucket.s3.amazonaws.com';

/** The reference's "GET Object" example: a Range header, empty payload. */
function getObjectExample(): { method: string; rawUrl: string; headers: Record<string, string> } {
  return {
    method: 'GET',
    rawUrl: '/test.txt',
    headers: {
      host: HOST,
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': '20130524T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    },
  };
}

function faultOf(fn: () => unknown): S3Fault {
  try {
    fn();
  } catch (err) {
    if (err instanceof S3Fault) return err;
    throw err;
  }
  throw new Error('expected an S3Fault');
}

describe('SigV4Verifier: Authorization header', () => {
  const verifier = new SigV4Verifier([CREDS], () => NOW);

  it('accepts the S3 reference example and returns its signing facts', () => {
    const auth = verifier.verify(getObjectExample()) as Extract<AuthResult, { kind: 'signed' }>;
    expect(auth).toMatchObject({ kind: 'signed', accessKeyId: CREDS.accessKeyId, payloadHash: EMPTY_SHA256, presigned: false });
    expect(auth.chunk.scope).toBe('20130524/us-east-1/s3/aws4_request');
    expect(auth.chunk.seedSignature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('accepts the reference PUT example (a Date header, a `$` in the key, a signed payload hash)', () => {
    const req = {
      method: 'PUT',
      rawUrl: '/test%24file.text',
      headers: {
        host: HOST,
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,' +
          'Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
      },
    };
    expect(verifier.verify(req)).toMatchObject({ kind: 'signed', payloadHash: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072' });
  });

  it('refuses a changed signed header, an unknown key, a skewed clock and a malformed credential', () => {
    const changed = getObjectExample();
    changed.headers.range = 'bytes=0-10';
    expect(faultOf(() => verifier.verify(changed))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });

    const stranger = getObjectExample();
    stranger.headers.authorization = stranger.headers.authorization!.replace('AKIAIOSFODNN7EXAMPLE', 'AKIDSOMEONEELSE');
    expect(faultOf(() => verifier.verify(stranger))).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });

    const late = new SigV4Verifier([CREDS], () => NOW + 16 * 60 * 1000);
    expect(faultOf(() => late.verify(getObjectExample()))).toMatchObject({ code: 'RequestTimeTooSkewed', status: 403 });
    expect(new SigV4Verifier([CREDS], () => NOW + 14 * 60 * 1000).verify(getObjectExample()).kind).toBe('signed');

    const otherDay = getObjectExample();
    otherDay.headers.authorization = otherDay.headers.authorization!.replace('/20130524/', '/20130523/');
    expect(faultOf(() => verifier.verify(otherDay))).toMatchObject({ code: 'AuthorizationHeaderMalformed', status: 400 });

    const noHash = getObjectExample();
    delete noHash.headers['x-amz-content-sha256'];
    expect(faultOf(() => verifier.verify(noHash))).toMatchObject({ code: 'InvalidRequest', status: 400 });

    const v2 = { method: 'GET', rawUrl: '/k', headers: { host: HOST, authorization: 'AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=' } };
    expect(faultOf(() => verifier.verify(v2))).toMatchObject({ code: 'InvalidRequest', status: 400 });
  });

  it('treats a request without any signature as anonymous', () => {
    expect(verifier.verify({ method: 'GET', rawUrl: '/b/k?x=1', headers: { host: 'h' } })).toEqual({ kind: 'anonymous' });
  });

  it('verifies what the lean client signs: encoded keys, sub-resource queries, metadata, any region', () => {
    const key = 'dir with space/ü+(1)*!.txt';
    for (const region of ['us-east-1', 'cn-hangzhou']) {
      const signer = new SigV4Signer(CREDS, region, 's3');
      const query = canonicalQuery({ partNumber: '3', uploadId: 'abc/def+=' });
      const path = `/bucket/${encodeKeyPath(key)}`;
      const headers: Record<string, string> = { host: '127.0.0.1:9080', 'content-length': '5', 'x-amz-meta-owner': 'alice  and   bob', 'user-agent': 'ferry' };
      signer.sign({ method: 'PUT', path, query, headers }, { payloadHash: UNSIGNED_PAYLOAD, now: NOW + 1000 });
      const auth = verifier.verify({ method: 'PUT', rawUrl: `${path}?${query}`, headers });
      expect(auth).toMatchObject({ kind: 'signed', payloadHash: UNSIGNED_PAYLOAD });
      // A client that leaves `!`, `*`, `(` and `)` unencoded on the wire signs the encoded form.
      const loose = path.replace(/%21/g, '!').replace(/%2A/g, '*').replace(/%28/g, '(').replace(/%29/g, ')');
      expect(verifier.verify({ method: 'PUT', rawUrl: `${loose}?${query}`, headers }).kind).toBe('signed');
      expect(faultOf(() => verifier.verify({ method: 'PUT', rawUrl: `${path}?${query}&extra=1`, headers }))).toMatchObject({ code: 'SignatureDoesNotMatch' });
      expect(faultOf(() => verifier.verify({ method: 'POST', rawUrl: `${path}?${query}`, headers }))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    }
  });

  it('keeps a trailing 0xA0 byte of a header value (UTF-8 à arrives as latin1): only ASCII blanks are trimmed', () => {
    const signer = new SigV4Signer(CREDS, 'us-east-1', 's3');
    const headers: Record<string, string> = { host: '127.0.0.1:9080', 'x-amz-meta-city': Buffer.from('voilà', 'utf8').toString('latin1') };
    signer.sign({ method: 'GET', path: '/bucket/k', query: '', headers }, { payloadHash: EMPTY_SHA256, now: NOW });
    expect(verifier.verify({ method: 'GET', rawUrl: '/bucket/k', headers })).toMatchObject({ kind: 'signed' });
  });
});

describe('SigV4Verifier: presigned URLs', () => {
  const url =
    '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
    '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';

  it('accepts the S3 reference example while it is valid, and refuses it once expired', () => {
    const req = { method: 'GET', rawUrl: url, headers: { host: HOST } };
    expect(new SigV4Verifier([CREDS], () => NOW + 3600_000).verify(req)).toMatchObject({ kind: 'signed', presigned: true, payloadHash: UNSIGNED_PAYLOAD });
    expect(faultOf(() => new SigV4Verifier([CREDS], () => NOW + 86_401_000).verify(req))).toMatchObject({ code: 'AccessDenied', message: 'Request has expired' });
  });

  it('refuses a tampered URL and a missing parameter', () => {
    const verifier = new SigV4Verifier([CREDS], () => NOW);
    expect(faultOf(() => verifier.verify({ method: 'GET', rawUrl: url.replace('/test.txt', '/other.txt'), headers: { host: HOST } }))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(faultOf(() => verifier.verify({ method: 'GET', rawUrl: url.replace('86400', '86401'), headers: { host: HOST } }))).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(faultOf(() => verifier.verify({ method: 'GET', rawUrl: url.replace('&X-Amz-Expires=86400', ''), headers: { host: HOST } }))).toMatchObject({ code: 'AuthorizationQueryParametersError', status: 400 });
  });
});
