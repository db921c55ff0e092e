import { describeError } from '../core/index.js';
import { MIRROR_HEADER } from './mirror-identity.js';

export interface MirrorProbe {
  url: string;
  /** Something answered HTTP at the URL. */
  answered: boolean;
  status?: number | undefined;
  /** The Ferry mirror's fingerprint of its source and destination, if a Ferry mirror answered. */
  identity?: string | undefined;
  /** Why nothing answered. */
  error?: string | undefined;
}

/**
 * Asks the URL anything, unsigned: a Ferry mirror refuses an anonymous
 * request with 403 (or serves it with --anonymous-read) and either way says
 * who it is in its `x-ferry-mirror` header, so a probe needs no credentials.
 */
export async function probeMirror(url: string, timeoutMs = 3000): Promise<MirrorProbe> {
  try {
    const res = await fetch(new URL('/', url), { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return { url, answered: true, status: res.status, identity: res.headers.get(MIRROR_HEADER) ?? undefined };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    return { url, answered: false, error: describeError(cause ?? err) };
  }
}
