// Property-based tests of how object keys are encoded and mapped: into S3
// request paths (the lean SigV4 client), into file paths (the local store),
// out of HTTP URL lists, and how keys are ordered. Keys are well-formed
// Unicode: S3 listings are XML-decoded UTF-8 and file names that are not
// UTF-8 are refused by the local walk, so no key holds a lone surrogate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FerryError, compareKeys, emptyMetadata } from '../../src/core/index.js';
import { entryUrl, parseListLine } from '../../src/stores/http-list/index.js';
import { encodePath } from '../../src/stores/http-list/url-path.js';
import { LocalStore, TEMP_PREFIX } from '../../src/stores/local/index.js';
import { keyPath } from '../../src/stores/local/local-path.js';
import { LeanS3Client } from '../../src/stores/s3/lean/lean-s3-client.js';
import { encodeKeyPath, uriEncode } from '../../src/stores/s3/lean/sigv4.js';

/** Characters with a meaning in URLs, queries, paths or SigV4, plus a space. */
const TRICKY = ['+', '%', '#', '?', '&', '=', ';', '/', ' ', '~', '*', "'", '(', ')', '!', '@', ':', ',', '$', '[', ']', '\\', '"', '<', '>', '^', '`', '{', '|', '}'];
/** Around the places where UTF-16 and UTF-8 orders disagree, and multi-byte forms. */
const WIDE = ['a', 'Z', '0', '-', '.', '_', 'é', 'ß', '中', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', '\ufeff', '😀', '𐀀', '\u{10ffff}'];

/** Arbitrary Unicode, and strings made mostly of the characters that break encoders. */
const anyKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...TRICKY, ...WIDE), maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

/**
 * UriEncode exactly as the AWS SigV4 documentation gives it ("Create a
 * canonical request"): every UTF-8 byte but A-Z a-z 0-9 - . _ ~ as %XX with
 * upper-case hex, `/` kept when `encodeSlash` is false.
 */
function awsUriEncode(input: string, encodeSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(input, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch)) out += ch;
    else if (ch === '/' && !encodeSlash) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

describe('S3 key <-> request path (lean SigV4 client)', () => {
  it('uriEncode round-trips through decodeURIComponent', () => {
    fc.assert(fc.property(anyKey, (k) => {
          expect(decodeURIComponent(uriEncode(k))).toBe(k);
        }), { numRuns: 2000 });
  });

  it('uriEncode writes only unreserved characters and %XX escapes, / included', () => {
    fc.assert(fc.property(anyKey, (k) => {
          expect(uriEncode(k)).toMatch(/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
        }), { numRuns: 2000 });
  });

  it('encodeKeyPath keeps the slashes, encodes the rest, and round-trips', () => {
    fc.assert(
      fc.property(anyKey, (k) => {
        const path = encodeKeyPath(k);
        expect(path).toMatch(/^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})*$/);
        expect(path.split('/')).toHaveLength(k.split('/').length);
        expect(decodeURIComponent(path)).toBe(k);
      }),
      { numRuns: 2000 },
    );
  });

  it("both equal the AWS reference UriEncode on random input", () => {
    fc.assert(
      fc.property(anyKey, (k) => {
        expect(uriEncode(k)).toBe(awsUriEncode(k, true));
        expect(encodeKeyPath(k)).toBe(awsUriEncode(k, false));
      }),
      { numRuns: 2000 },
    );
  });

  describe('request targets', () => {
    const clients: LeanS3Client[] = [];
    const client = (endpoint: string, pathStyle: boolean): LeanS3Client => {
      const c = new LeanS3Client({ endpoint, region: 'us-east-1', pathStyle, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
      clients.push(c);
      return c;
    };
    afterAll(() => {
      for (const c of clients.splice(0)) c.destroy();
    });
    /** Names every provider accepts as a sub-domain: lower case, digits, inner dashes. */
    const dnsBucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/);
    const base = fc.constantFrom('', '/base', '/a/b');

    it('path style: basePath/bucket/key, the key decodable back from the path', () => {
      fc.assert(
        fc.property(base, dnsBucket, anyKey, (basePath, bucket, key) => {
          const c = client(`http://s3.example.com:9000${basePath}`, true);
          const t = c.target(bucket, key);
          expect(t).toMatchObject({ hostname: 's3.example.com', host: 's3.example.com:9000' });
          const head = `${basePath}/${bucket}/`;
          expect(t.path.startsWith(head)).toBe(true);
          expect(decodeURIComponent(t.path.slice(head.length))).toBe(key);
          expect(t.path).toMatch(/^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})*$/);
          c.destroy();
        }),
        { numRuns: 300 },
      );
    });

    it('virtual-host style: the bucket in the host name, the key alone in the path', () => {
      fc.assert(
        fc.property(base, dnsBucket, anyKey, (basePath, bucket, key) => {
          const c = client(`https://s3.example.com${basePath}`, false);
          const t = c.target(bucket, key);
          expect(t).toMatchObject({ hostname: `${bucket}.s3.example.com`, host: `${bucket}.s3.example.com` });
          expect(t.path.startsWith(`${basePath}/`)).toBe(true);
          expect(decodeURIComponent(t.path.slice(basePath.length + 1))).toBe(key);
          c.destroy();
        }),
        { numRuns: 300 },
      );
    });

    it('a bucket that cannot be a host name goes in the path, encoded', () => {
      const oddBucket = fc.string({ unit: fc.constantFrom('A', 'b', '_', '.', '-', '1', '中'), minLength: 1, maxLength: 12 }).filter((b) => !/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(b));
      fc.assert(
        fc.property(oddBucket, anyKey, (bucket, key) => {
          const c = client('https://s3.example.com', false);
          const t = c.target(bucket, key);
          expect(t.hostname).toBe('s3.example.com');
          expect(t.path).toBe(`/${uriEncode(bucket)}/${encodeKeyPath(key)}`);
          c.destroy();
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('local store: key <-> file path', () => {
  const root = mkdtempSync(join(tmpdir(), 'ferry-keyprop-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A path segment a local key may hold: no / \ NUL, not . or .., not a temp name; short enough for any file system. */
  const segment = fc
    .string({ unit: fc.oneof(fc.constantFrom('a', 'B', '.', '-', ' ', '%', '+', '#', '~', 'é', '中', '😀'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 })
    .filter((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..' && !s.startsWith(TEMP_PREFIX) && Buffer.byteLength(s) <= 200);
  const safeKey = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));

  it('a safe key maps to the file below the root at that relative path', () => {
    fc.assert(
      fc.property(safeKey, (key) => {
        const path = keyPath(root, key);
        expect(path).toBe(join(root, key));
        expect(path.startsWith(root + sep)).toBe(true);
        expect(relative(root, path).split(sep).join('/')).toBe(key);
        // A directory marker names the directory itself.
        expect(keyPath(root, `${key}/`)).toBe(path);
      }),
      { numRuns: 1000 },
    );
  });

  it('a name that only starts with .. is an ordinary file (as Kubernetes ..data folders are)', async () => {
    expect(keyPath(root, '..data/config.yaml')).toBe(join(root, '..data', 'config.yaml'));
    expect(keyPath(root, 'a/...')).toBe(join(root, 'a', '...'));
    const store = new LocalStore({ type: 'local', path: join(root, 'dotted'), prefix: '' });
    await store.put('..data/x', Readable.from([Buffer.from('x')]), { size: 1, metadata: emptyMetadata(), mtimeMs: 1_700_000_000_000 });
    const listed: string[] = [];
    for await (const o of store.list()) listed.push(o.key);
    expect(listed).toEqual(['..data/x']);
  });

  it('refuses every key with a .. segment, a NUL byte or a leading /', () => {
    const dotdot = fc.tuple(fc.array(segment, { maxLength: 3 }), fc.array(segment, { maxLength: 3 }), fc.boolean()).map(([a, b, slash]) => [...a, '..', ...b].join('/') + (slash ? '/' : ''));
    const nul = fc.tuple(safeKey, fc.nat()).map(([k, i]) => {
      const at = i % (k.length + 1);
      return `${k.slice(0, at)}\0${k.slice(at)}`;
    });
    const absolute = fc.tuple(fc.constantFrom('/', '//', '/../'), safeKey).map(([lead, k]) => lead + k);
    fc.assert(
      fc.property(fc.oneof(dotdot, nul, absolute), (key) => {
        let err: unknown;
        try {
          keyPath(root, key);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(FerryError);
        expect((err as FerryError).code).toBe('INVALID_KEY');
        expect((err as FerryError).field).toBe('key');
      }),
      { numRuns: 1000 },
    );
  });

  it('any string at all either maps strictly inside the root or is refused as INVALID_KEY', () => {
    const hostile = fc.string({ unit: fc.constantFrom('a', '.', '/', '\\', '\0', ':', 'C', '~', ' ', '%', '2', 'e', 'f'), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(hostile, anyKey), (key) => {
        let path: string;
        try {
          path = keyPath(root, key);
        } catch (err) {
          expect(err).toBeInstanceOf(FerryError);
          expect((err as FerryError).code).toBe('INVALID_KEY');
          return;
        }
        expect(path.startsWith(root + sep)).toBe(true);
        expect(resolve(path)).toBe(path);
        expect(relative(root, path).split(sep)).not.toContain('..');
      }),
      { numRuns: 3000 },
    );
  });

  it('what is put under safe keys lists back as exactly those keys, in byte order', async () => {
    // Keys that do not need a file and a folder of the same name.
    const keySet = fc.uniqueArray(safeKey, { minLength: 1, maxLength: 6 }).filter((keys) => !keys.some((a) => keys.some((b) => b.startsWith(`${a}/`))));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(keySet, async (keys) => {
        const store = new LocalStore({ type: 'local', path: join(root, `run-${run++}`), prefix: '' });
        for (const key of keys) {
          const body = Buffer.from(key);
          await store.put(key, Readable.from([body]), { size: body.length, metadata: emptyMetadata(), mtimeMs: 1_700_000_000_000 });
        }
        const listed: string[] = [];
        for await (const o of store.list()) listed.push(o.key);
        expect(listed).toEqual([...keys].sort(compareKeys));
        for (const key of keys) {
          const { body } = await store.get(key);
          const chunks: Buffer[] = [];
          for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
          expect(Buffer.concat(chunks).toString()).toBe(key);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('compareKeys', () => {
  const sign = (n: number): number => Math.sign(n);
  const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

  it('is the byte-wise UTF-8 order (Buffer.compare), on any well-formed strings', () => {
    fc.assert(fc.property(anyKey, anyKey, (a, b) => {
          expect(sign(compareKeys(a, b))).toBe(sign(utf8Order(a, b)));
        }), { numRuns: 5000 });
  });

  it('is a total order: reflexive, antisymmetric, transitive, and 0 only for equal keys', () => {
    fc.assert(
      fc.property(anyKey, anyKey, anyKey, (a, b, c) => {
        expect(compareKeys(a, a)).toBe(0);
        expect(sign(compareKeys(a, b)) + sign(compareKeys(b, a))).toBe(0);
        expect(compareKeys(a, b) === 0).toBe(a === b);
        if (compareKeys(a, b) <= 0 && compareKeys(b, c) <= 0) expect(compareKeys(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts arrays as S3 lists them', () => {
    fc.assert(
      fc.property(fc.array(anyKey, { maxLength: 30 }), (keys) => {
        expect([...keys].sort(compareKeys)).toEqual([...keys].sort(utf8Order));
      }),
      { numRuns: 500 },
    );
  });
});

describe('HTTP URL lists: key <-> URL', () => {
  const origin = 'http://files.example.com';
  /** Relative paths a list may give: no . or .. or empty segments, no % (see encodePath), no leading or trailing blanks. */
  const listSegment = fc
    .string({ unit: fc.oneof(fc.constantFrom(...TRICKY.filter((c) => c !== '/' && c !== '%'), ...WIDE), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 10 })
    .filter((s) => !/[/%\p{Cc}\u2028\u2029]/u.test(s) && s !== '.' && s !== '..');
  const relativePath = fc
    .array(listSegment, { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('/'))
    .filter((k) => k.trim() === k && k.length > 0 && !/^\s|\s$/u.test(k));

  it('two columns: the key is the relative path as written, and the URL decodes to prefix + that path', () => {
    fc.assert(
      fc.property(relativePath, (key) => {
        const entry = parseListLine(`${origin}/files/ ${key}`);
        expect(entry?.key).toBe(key);
        const url = new URL(entryUrl(entry!));
        expect(url.origin).toBe(origin);
        expect(url.search).toBe('');
        expect(url.hash).toBe('');
        expect(decodeURIComponent(url.pathname)).toBe(`/files/${key}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('encodePath leaves only characters a URL path carries as they are', () => {
    fc.assert(fc.property(anyKey, (path) => {
          expect(encodePath(path)).toMatch(/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/);
        }), { numRuns: 2000 });
  });

  it('one column: the key is the full URL\'s decoded path, whatever it was encoded from', () => {
    fc.assert(
      fc.property(relativePath, (key) => {
        const url = `${origin}/${key.split('/').map(encodeURIComponent).join('/')}`;
        expect(parseListLine(url)?.key).toBe(key);
      }),
      { numRuns: 1000 },
    );
  });
});
