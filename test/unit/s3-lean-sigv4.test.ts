// SigV4 as the lean S3 client signs, pinned to AWS's published values: the
// aws-sig-v4-test-suite (awslabs/aws-c-auth tests/aws-signing-test-suite/v4,
// service `service`) and the examples of the S3 API reference ("Signature
// Calculations for the Authorization Header: Transferring Payload in a Single
// Chunk"), whose signatures are asserted exactly.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, SigV4Signer, UNSIGNED_PAYLOAD, amzDateOf, canonicalQuery, encodeKeyPath, uriEncode } from '../../src/stores/s3/lean/sigv4.js';

const SUITE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SUITE_NOW = Date.UTC(2015, 7, 30, 12, 36, 0);

const S3_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const S3_NOW = Date.UTC(2013, 4, 24, 0, 0, 0);
const S3_HOST = 'examplebucket.s3.amazonaws.com';

const signatureOf = (authorization: string | undefined): string | undefined => /Signature=([0-9a-f]{64})$/.exec(authorization ?? '')?.[1];

describe('SigV4Signer: the generic test suite (no x-amz-content-sha256 header)', () => {
  const signer = new SigV4Signer(SUITE_CREDENTIALS, 'us-east-1', 'service');
  const sign = (method: string, query: string, headers: Record<string, string>): Record<string, string> => {
    const h = { host: 'example.amazonaws.com', ...headers };
    signer.sign({ method, path: '/', query, headers: h }, { payloadHash: EMPTY_SHA256, now: SUITE_NOW, contentSha256Header: false });
    return h;
  };

  it('get-vanilla', () => {
    const h = sign('GET', '', {});
    expect(h['x-amz-date']).toBe('20150830T123600Z');
    expect(h['x-amz-content-sha256']).toBeUndefined();
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('post-vanilla', () => {
    expect(signatureOf(sign('POST', '', {}).authorization)).toBe('5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
  });

  it('get-vanilla-query-order-key-case: parameters sorted by name', () => {
    const query = canonicalQuery({ Param2: 'value2', Param1: 'value1' });
    expect(query).toBe('Param1=value1&Param2=value2');
    expect(signatureOf(sign('GET', query, {}).authorization)).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });

  it('get-vanilla-query-unreserved: unreserved characters are not encoded', () => {
    const unreserved = '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const query = canonicalQuery({ [unreserved]: unreserved });
    expect(query).toBe(`${unreserved}=${unreserved}`);
    expect(signatureOf(sign('GET', query, {}).authorization)).toBe('9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197');
  });

  it('get-header-value-trim: values trimmed, inner runs of spaces collapsed', () => {
    const h = sign('GET', '', { 'my-header1': ' value1', 'my-header2': '"a   b   c"' });
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, ' +
        'Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
    );
  });

  it('get-vanilla-with-session-token: the token is sent and signed', () => {
    const withToken = new SigV4Signer({ ...SUITE_CREDENTIALS, sessionToken: '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267' }, 'us-east-1', 'service');
    const h: Record<string, string> = { host: 'example.amazonaws.com' };
    withToken.sign({ method: 'GET', path: '/', query: '', headers: h }, { payloadHash: EMPTY_SHA256, now: SUITE_NOW, contentSha256Header: false });
    expect(h['x-amz-security-token']).toBe('6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267');
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, ' +
        'Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8',
    );
  });
});

describe('SigV4Signer: the S3 API reference examples', () => {
  const signer = new SigV4Signer(S3_CREDENTIALS, 'us-east-1', 's3');

  it('GET Object with a Range header', () => {
    const h: Record<string, string> = { host: S3_HOST, range: 'bytes=0-9' };
    signer.sign({ method: 'GET', path: `/${encodeKeyPath('test.txt')}`, query: '', headers: h }, { payloadHash: EMPTY_SHA256, now: S3_NOW });
    expect(h['x-amz-content-sha256']).toBe(EMPTY_SHA256);
    expect(h['x-amz-date']).toBe('20130524T000000Z');
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('PUT Object: a key with `$`, a Date header, a storage class and a signed payload', () => {
    const payload = createHash('sha256').update('Welcome to Amazon S3.').digest('hex');
    expect(payload).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const h: Record<string, string> = { host: S3_HOST, date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' };
    const path = `/${encodeKeyPath('test$file.text')}`;
    expect(path).toBe('/test%24file.text');
    signer.sign({ method: 'PUT', path, query: '', headers: h }, { payloadHash: payload, now: S3_NOW });
    expect(signatureOf(h.authorization)).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('GET Bucket lifecycle: a parameter without a value', () => {
    const h: Record<string, string> = { host: S3_HOST };
    signer.sign({ method: 'GET', path: '/', query: canonicalQuery({ lifecycle: '' }), headers: h }, { payloadHash: EMPTY_SHA256, now: S3_NOW });
    expect(signatureOf(h.authorization)).toBe('fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('GET Bucket (list objects): parameters given out of order', () => {
    const h: Record<string, string> = { host: S3_HOST };
    const query = canonicalQuery({ prefix: 'J', 'max-keys': '2' });
    expect(query).toBe('max-keys=2&prefix=J');
    signer.sign({ method: 'GET', path: '/', query, headers: h }, { payloadHash: EMPTY_SHA256, now: S3_NOW });
    expect(signatureOf(h.authorization)).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  it('signs every header given but the ones proxies may change; UNSIGNED-PAYLOAD for streams', () => {
    const h: Record<string, string> = { host: S3_HOST, 'user-agent': 'ferry', expect: '100-continue', 'content-length': '5', 'x-amz-meta-a': 'b' };
    signer.sign({ method: 'PUT', path: '/k', query: '', headers: h }, { payloadHash: UNSIGNED_PAYLOAD, now: S3_NOW });
    expect(h['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(h.authorization).toContain('SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date;x-amz-meta-a,');
  });

  it('hashes header values as the latin1 bytes node sends, so UTF-8 metadata read back from S3 signs right', () => {
    // 'é' read from another server arrives as the two latin1 chars of its UTF-8 bytes.
    const utf8AsLatin1 = Buffer.from('café', 'utf8').toString('latin1');
    const a: Record<string, string> = { host: S3_HOST, 'x-amz-meta-n': utf8AsLatin1 };
    signer.sign({ method: 'PUT', path: '/k', query: '', headers: a }, { payloadHash: UNSIGNED_PAYLOAD, now: S3_NOW });
    // The same request signed from its bytes, independently of the signer.
    const canonical = [
      'PUT', '/k', '',
      `host:${S3_HOST}`, `x-amz-content-sha256:UNSIGNED-PAYLOAD`, 'x-amz-date:20130524T000000Z', `x-amz-meta-n:${utf8AsLatin1}`, '',
      'host;x-amz-content-sha256;x-amz-date;x-amz-meta-n', 'UNSIGNED-PAYLOAD',
    ].join('\n');
    const hash = createHash('sha256').update(Buffer.from(canonical, 'latin1')).digest('hex');
    const toSign = `AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n${hash}`;
    expect(signatureOf(a.authorization)).toBe(createHmac('sha256', signer.signingKey('20130524')).update(toSign).digest('hex'));
    // Only ASCII blanks are white space: the 0xA0 byte of 'à' (C3 A0) is kept.
    const b: Record<string, string> = { host: S3_HOST, 'x-amz-meta-n': Buffer.from('à', 'utf8').toString('latin1') };
    const c: Record<string, string> = { host: S3_HOST, 'x-amz-meta-n': '\u00c3 ' };
    signer.sign({ method: 'PUT', path: '/k', query: '', headers: b }, { payloadHash: UNSIGNED_PAYLOAD, now: S3_NOW });
    signer.sign({ method: 'PUT', path: '/k', query: '', headers: c }, { payloadHash: UNSIGNED_PAYLOAD, now: S3_NOW });
    expect(b.authorization).not.toBe(c.authorization);
  });

  it('derives the signing key once a day', () => {
    const s = new SigV4Signer(S3_CREDENTIALS, 'us-east-1', 's3');
    const k1 = s.signingKey('20130524');
    expect(s.signingKey('20130524')).toBe(k1);
    expect(s.signingKey('20130525').equals(k1)).toBe(false);
  });
});

describe('S3 URI and query encoding', () => {
  it('encodes each key segment once, keeping only unreserved characters and the slashes', () => {
    expect(encodeKeyPath('photos/été 2013/a+b (1)~x_y-z.jpg')).toBe('photos/%C3%A9t%C3%A9%202013/a%2Bb%20%281%29~x_y-z.jpg');
    expect(encodeKeyPath("special/a+b%c#d?e&f=g;h!'*.bin")).toBe('special/a%2Bb%25c%23d%3Fe%26f%3Dg%3Bh%21%27%2A.bin');
    // No normalising: empty segments, dots and a leading slash stay as they are.
    expect(encodeKeyPath('/a//./../b/')).toBe('/a//./../b/');
    expect(encodeKeyPath('sort/😀.txt')).toBe('sort/%F0%9F%98%80.txt');
    // Already-escaped text is escaped again (it is part of the key), never decoded.
    expect(encodeKeyPath('percent%20literal')).toBe('percent%2520literal');
  });

  it('encodes query values fully (slashes included) and drops undefined parameters', () => {
    expect(uriEncode('a/b c')).toBe('a%2Fb%20c');
    expect(canonicalQuery({ 'list-type': '2', prefix: 'dir with space/ü+', delimiter: undefined, 'continuation-token': 'a+b/c=' })).toBe(
      'continuation-token=a%2Bb%2Fc%3D&list-type=2&prefix=dir%20with%20space%2F%C3%BC%2B',
    );
    // By name, then value; `a-b` sorts after `a` even though `-` < `=`.
    expect(canonicalQuery({ 'a-b': '1', a: '2' })).toBe('a=2&a-b=1');
    expect(canonicalQuery({ uploads: '' })).toBe('uploads=');
    expect(canonicalQuery({})).toBe('');
  });

  it('formats x-amz-date', () => {
    expect(amzDateOf(SUITE_NOW)).toBe('20150830T123600Z');
    expect(amzDateOf(SUITE_NOW + 999)).toBe('20150830T123600Z');
    expect(amzDateOf(Date.UTC(2024, 1, 29, 23, 59, 59))).toBe('20240229T235959Z');
  });
});
