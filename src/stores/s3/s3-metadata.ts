import { MTIME_META_KEY, formatMtimeMeta, parseMtimeMeta, type ObjectMetadata } from '../../core/index.js';

/** The subset of SDK input fields that carry an object's metadata. */
export interface SdkMetadataInput {
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Expires?: Date;
  Metadata?: Record<string, string>;
}

/** The subset of SDK output fields (GetObject, HeadObject) that carry metadata. */
export interface SdkMetadataOutput {
  ContentType?: string | undefined;
  ContentEncoding?: string | undefined;
  ContentDisposition?: string | undefined;
  ContentLanguage?: string | undefined;
  CacheControl?: string | undefined;
  Expires?: Date | undefined;
  ExpiresString?: string | undefined;
  Metadata?: Record<string, string> | undefined;
}

export function metadataToSdk(meta: ObjectMetadata, mtimeMs: number): SdkMetadataInput {
  const input: SdkMetadataInput = {
    Metadata: { ...meta.user, [MTIME_META_KEY]: formatMtimeMeta(mtimeMs) },
  };
  if (meta.contentType !== undefined) input.ContentType = meta.contentType;
  if (meta.contentEncoding !== undefined) input.ContentEncoding = meta.contentEncoding;
  if (meta.contentDisposition !== undefined) input.ContentDisposition = meta.contentDisposition;
  if (meta.contentLanguage !== undefined) input.ContentLanguage = meta.contentLanguage;
  if (meta.cacheControl !== undefined) input.CacheControl = meta.cacheControl;
  if (meta.expires !== undefined) {
    const when = new Date(meta.expires);
    // An unparseable Expires cannot be re-sent through the SDK; dropping it beats failing the object.
    if (!Number.isNaN(when.getTime())) input.Expires = when;
  }
  return input;
}

export function metadataFromSdk(out: SdkMetadataOutput): { metadata: ObjectMetadata; mtimeMs: number | undefined } {
  const user: Record<string, string> = {};
  let mtimeMs: number | undefined;
  for (const [k, v] of Object.entries(out.Metadata ?? {})) {
    const name = k.toLowerCase();
    if (name === MTIME_META_KEY) mtimeMs = parseMtimeMeta(v);
    else user[name] = v;
  }
  const metadata: ObjectMetadata = { user };
  if (out.ContentType !== undefined) metadata.contentType = out.ContentType;
  if (out.ContentEncoding !== undefined) metadata.contentEncoding = out.ContentEncoding;
  if (out.ContentDisposition !== undefined) metadata.contentDisposition = out.ContentDisposition;
  if (out.ContentLanguage !== undefined) metadata.contentLanguage = out.ContentLanguage;
  if (out.CacheControl !== undefined) metadata.cacheControl = out.CacheControl;
  const expires = out.ExpiresString ?? out.Expires?.toUTCString();
  if (expires !== undefined) metadata.expires = expires;
  return { metadata, mtimeMs };
}
