import { S3Fault } from './s3-fault.js';

/** What an incoming request addresses, whichever addressing style the client used. */
export interface RequestTarget {
  /** `''` for the service (ListBuckets). */
  bucket: string;
  /** The object key, decoded; undefined for a bucket-level request. */
  key: string | undefined;
  style: 'path' | 'virtual-host';
  /** The path as sent, still encoded (what a signature covers). */
  rawPath: string;
  /** The query string as sent, without the `?`. */
  rawQuery: string;
  /** Query parameters, decoded; a name without `=` has the value `''`. */
  query: Map<string, string>;
}

/**
 * Reads bucket and key from a request line and its Host header. A Host that
 * begins with `<bucket>.` (the mirror's own bucket) is virtual-host style
 * (`bucket.host:port/key`); anything else is path-style (`/bucket/key`).
 * Only the mirror's bucket can be a virtual host: another name in that
 * position is read as a path-style request and then refused as an unknown
 * bucket, as S3 would refuse it.
 */
export function parseTarget(rawUrl: string, host: string | undefined, mirrorBucket: string): RequestTarget {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  if (!rawPath.startsWith('/')) throw new S3Fault('InvalidURI', 400, 'Couldn\'t parse the specified URI.');
  const query = parseQuery(rawQuery);
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (hostname.startsWith(`${mirrorBucket}.`)) {
    const key = decodePath(rawPath.slice(1));
    return { bucket: mirrorBucket, key: key === '' ? undefined : key, style: 'virtual-host', rawPath, rawQuery, query };
  }
  const rest = rawPath.slice(1);
  const slash = rest.indexOf('/');
  const bucket = decodePath(slash < 0 ? rest : rest.slice(0, slash));
  const key = slash < 0 ? undefined : decodePath(rest.slice(slash + 1));
  return { bucket, key: key === '' ? undefined : key, style: 'path', rawPath, rawQuery, query };
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new S3Fault('InvalidURI', 400, 'Couldn\'t parse the specified URI.');
  }
}

/** `a=1&b&c=x%20y` → {a: '1', b: '', c: 'x y'}; `+` stays a plus, as S3 signs it. */
export function parseQuery(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodePath(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodePath(part.slice(eq + 1));
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** Query names that do not change what a GET of an object or a bucket means. */
export function isPlainReadParam(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('response-') || lower.startsWith('x-amz-') || lower === 'x-id';
}
