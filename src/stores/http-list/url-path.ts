const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * ossimport lists often omit the scheme (`127.0.0.1/aa/`); plain HTTP is
 * what ossimport assumed for those. Other schemes are refused.
 */
export function withScheme(url: string): string {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return `http://${url}`;
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`scheme ${scheme}: is not http or https`);
  return url;
}

// Characters a URL path may carry as they are, plus `%` when it starts an escape.
const NEEDS_ESCAPE = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu;

/**
 * Makes a relative path from a list file safe to append to a URL: spaces,
 * non-ASCII, `?` and `#` are percent-encoded (UTF-8), `/` is kept, and
 * existing `%XX` escapes are left alone, as a browser does with a typed
 * address. Lists written by hand or by `ls` and lists already escaped both
 * fetch the right file; a name that really contains `%41` cannot be told
 * from an escaped `A` and is fetched as `A`.
 */
export function encodePath(path: string): string {
  // encodeURIComponent throws URIError on a lone surrogate; callers report it.
  return path.replace(NEEDS_ESCAPE, (c) => encodeURIComponent(c));
}
