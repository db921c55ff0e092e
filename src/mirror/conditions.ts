import type { IncomingHttpHeaders } from 'node:http';
import { normalizeEtag } from '../core/index.js';

/** What the conditional headers of a GET or HEAD decide: serve, 304 Not Modified or 412 Precondition Failed. */
export type ConditionOutcome = 'serve' | 'not-modified' | 'precondition-failed';

export function hasConditions(headers: IncomingHttpHeaders): boolean {
  return headers['if-match'] !== undefined || headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined || headers['if-unmodified-since'] !== undefined;
}

/**
 * RFC 9110's order of evaluation: If-Match (else If-Unmodified-Since), then
 * If-None-Match (else If-Modified-Since). Dates compare at whole seconds,
 * the precision of Last-Modified.
 */
export function evaluateConditions(headers: IncomingHttpHeaders, etag: string | undefined, lastModifiedMs: number): ConditionOutcome {
  const seconds = Math.floor(lastModifiedMs / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, etag)) return 'precondition-failed';
  } else {
    const since = httpDateSeconds(headers['if-unmodified-since']);
    if (since !== undefined && seconds > since) return 'precondition-failed';
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, etag)) return 'not-modified';
  } else {
    const since = httpDateSeconds(headers['if-modified-since']);
    if (since !== undefined && seconds <= since) return 'not-modified';
  }
  return 'serve';
}

function etagListMatches(list: string, etag: string | undefined): boolean {
  // The object exists (it is being served), so `*` matches.
  if (list.trim() === '*') return true;
  if (etag === undefined) return false;
  return list.split(',').some((item) => normalizeEtag(item) === etag);
}

function httpDateSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
