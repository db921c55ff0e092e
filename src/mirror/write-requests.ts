import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describeError, type ObjectMetadata } from '../core/index.js';
import { isWritable, type ObjectStore } from '../stores/index.js';
import { readBody } from '../stores/s3/lean/http.js';
import { childText, escapeXml, parseXml } from '../stores/s3/lean/xml.js';
import type { Exchange } from './exchange.js';
import type { FillFlights } from './fill-flights.js';
import { decodeRequestBody } from './request-body.js';
import { isPlainReadParam, type RequestTarget } from './request-target.js';
import { accessDenied, notImplemented, S3Fault } from './s3-fault.js';
import type { S3Forwarder } from './s3-forwarder.js';
import type { AuthResult } from './sigv4-verify.js';
import type { Tombstones } from './tombstones.js';

export interface WriteDeps {
  /** The bucket name clients use. */
  bucket: string;
  dst: ObjectStore;
  /** Present for an S3 destination: every write goes there as the client sent it. */
  forwarder: S3Forwarder | undefined;
  flights: FillFlights;
  tombstones: Tombstones;
  /** Fetches a key into the destination if it is only at the source (a copy's source); false if it is nowhere. */
  ensureAtDestination: (key: string) => Promise<boolean>;
}

/** Client headers that belong to its own hop and signature, never sent on. */
const DROP = new Set([
  'host', 'authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'x-amz-decoded-content-length',
  'x-amz-trailer', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization',
  'te', 'trailer', 'upgrade', 'expect', 'date',
]);

/** Answer headers of the destination that are its own hop's or that the mirror sets itself. */
const DROP_ANSWER = new Set(['connection', 'keep-alive', 'transfer-encoding', 'x-amz-request-id', 'x-amz-id-2', 'server']);

/** Largest DeleteObjects body (1,000 keys of 1,024 bytes, escaped). */
const MAX_DELETE_BODY = 8 * 1024 * 1024;

/**
 * Everything that is not a plain read or a listing: writes (PUT, multipart,
 * CopyObject, DELETE, DeleteObjects) and reads of sub-resources (ListParts,
 * ACLs, tags). They go to the destination only, never to the source, re-signed
 * with the destination's credentials. A write of a key cancels that key's fill
 * first, so the source's old version never lands over it.
 */
export async function handleWrite(deps: WriteDeps, ex: Exchange, target: RequestTarget, auth: AuthResult, sendContinue: () => void): Promise<void> {
  const method = ex.req.method ?? 'GET';
  const q = target.query;
  const key = target.key;
  ex.outcome = 'pass';
  if (key === undefined) return bucketLevel(deps, ex, target, auth, method, sendContinue);
  if (!deps.forwarder) return localWrite(deps, ex, key, auth, method, q, sendContinue);

  const headers = forwardHeaders(ex.req);
  let replaces = false;
  const copySource = ex.req.headers['x-amz-copy-source'];
  if (method === 'PUT' && typeof copySource === 'string') {
    const from = parseCopySource(copySource, deps.bucket);
    // A copy of an object not migrated yet would fail at the destination: fetch it first.
    if (from.versionId === undefined && !(await deps.ensureAtDestination(from.key))) {
      throw new S3Fault('NoSuchKey', 404, 'The specified key does not exist.', { Key: from.key });
    }
    headers['x-amz-copy-source'] = deps.forwarder.copySource(from.key, from.versionId);
    replaces = !q.has('uploadId');
  } else if (method === 'PUT') {
    replaces = !q.has('uploadId') && !q.has('acl') && !q.has('tagging') && !q.has('retention') && !q.has('legal-hold');
  } else if (method === 'POST') {
    replaces = q.has('uploadId');
  } else if (method === 'DELETE') {
    replaces = !q.has('uploadId') && !q.has('tagging');
  }
  const endWrite = replaces ? await deps.flights.beginWrite(key) : undefined;
  try {
    sendContinue();
    const body = method === 'PUT' || method === 'POST' ? decodeRequestBody(ex.req, auth) : undefined;
    if (!body) ex.req.resume();
    const upstream = await deps.forwarder.send({ method, key, query: q, headers, body: body?.body, length: body?.length });
    const ok = (upstream.statusCode ?? 500) < 300;
    if (ok && replaces) {
      if (method === 'DELETE') deps.tombstones.add(key);
      else deps.tombstones.remove(key);
    }
    await relay(ex, upstream);
  } finally {
    endWrite?.();
  }
}

async function bucketLevel(deps: WriteDeps, ex: Exchange, target: RequestTarget, auth: AuthResult, method: string, sendContinue: () => void): Promise<void> {
  const q = target.query;
  if (method === 'POST' && q.has('delete')) return deleteObjects(deps, ex, auth, sendContinue);
  if (method !== 'GET' && method !== 'HEAD') throw accessDenied('The Ferry mirror passes object operations on; it does not change bucket settings.');
  if (!deps.forwarder) throw notImplemented('This bucket-level request on a non-S3 destination');
  // Bucket-level answers (ListMultipartUploads and the like) name keys with the destination's prefix.
  if (deps.forwarder.prefix !== '') throw notImplemented('This bucket-level request on a destination with a key prefix');
  ex.req.resume();
  await relay(ex, await deps.forwarder.send({ method, key: undefined, query: q, headers: forwardHeaders(ex.req) }));
}

/**
 * DeleteObjects: the keys are read from the body so their fills are
 * cancelled and their deletions remembered, and re-written with the
 * destination's prefix (the body then gets a fresh Content-MD5).
 */
async function deleteObjects(deps: WriteDeps, ex: Exchange, auth: AuthResult, sendContinue: () => void): Promise<void> {
  if (!deps.forwarder) throw notImplemented('DeleteObjects on a non-S3 destination');
  sendContinue();
  const decoded = decodeRequestBody(ex.req, auth);
  if (!decoded) throw new S3Fault('MissingRequestBodyError', 400, 'Request Body is empty');
  if (decoded.length > MAX_DELETE_BODY) throw new S3Fault('MalformedXML', 400, 'The XML you provided was too large');
  const text = (await readBody(decoded.body)).toString('utf8');
  let objects: { key: string; versionId: string | undefined }[];
  let quiet: boolean;
  try {
    const root = parseXml(text);
    quiet = (childText(root, 'Quiet') ?? '').trim() === 'true';
    objects = root.children.filter((c) => c.name === 'Object').map((o) => ({ key: childText(o, 'Key') ?? '', versionId: childText(o, 'VersionId') }));
  } catch {
    throw new S3Fault('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  if (objects.length === 0 || objects.length > 1000 || objects.some((o) => o.key === '')) {
    throw new S3Fault('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const prefix = deps.forwarder.prefix;
  let xml = `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>${quiet}</Quiet>`;
  for (const o of objects) xml += `<Object><Key>${escapeXml(prefix + o.key)}</Key>${o.versionId === undefined ? '' : `<VersionId>${escapeXml(o.versionId)}</VersionId>`}</Object>`;
  xml += '</Delete>';
  const payload = Buffer.from(xml, 'utf8');
  const headers = forwardHeaders(ex.req);
  for (const name of Object.keys(headers)) if (name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm') delete headers[name];
  headers['content-md5'] = createHash('md5').update(payload).digest('base64');
  headers['content-type'] = 'application/xml';
  const ends = await Promise.all([...new Set(objects.map((o) => o.key))].map((k) => deps.flights.beginWrite(k)));
  try {
    const upstream = await deps.forwarder.send({ method: 'POST', key: undefined, query: new Map([['delete', '']]), headers, body: payload, length: payload.length });
    const answer = (await readBody(upstream)).toString('utf8');
    const status = upstream.statusCode ?? 500;
    if (status < 300) {
      const failed = new Set<string>();
      try {
        for (const c of parseXml(answer).children) if (c.name === 'Error') failed.add((childText(c, 'Key') ?? '').slice(prefix.length));
      } catch (err) {
        throw new S3Fault('InternalError', 500, `the destination's DeleteObjects answer could not be read: ${describeError(err)}`);
      }
      for (const o of objects) if (!failed.has(o.key) && o.versionId === undefined) deps.tombstones.add(o.key);
    }
    const body = prefix === '' ? answer : answer.split(`<Key>${escapeXml(prefix)}`).join('<Key>');
    ex.send(status, { ...answerHeaders(upstream), 'content-type': upstream.headers['content-type'] ?? 'application/xml' }, body);
  } finally {
    for (const end of ends) end();
  }
}

/** A destination that is not S3 (a local disk): only whole-object PUTs can pass. */
async function localWrite(deps: WriteDeps, ex: Exchange, key: string, auth: AuthResult, method: string, q: ReadonlyMap<string, string>, sendContinue: () => void): Promise<void> {
  const dst = deps.dst;
  const subResource = [...q.keys()].some((name) => !isPlainReadParam(name) || name.toLowerCase().startsWith('response-'));
  if (method !== 'PUT' || subResource || ex.req.headers['x-amz-copy-source'] !== undefined || !isWritable(dst)) {
    throw notImplemented(`${method} with these parameters on a ${dst.kind} destination`);
  }
  const endWrite = await deps.flights.beginWrite(key);
  try {
    sendContinue();
    const decoded = decodeRequestBody(ex.req, auth);
    if (!decoded) throw new S3Fault('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.');
    const out = await dst.put(key, decoded.body, { size: decoded.length, metadata: metadataOf(ex.req), mtimeMs: Date.now() });
    deps.tombstones.remove(key);
    const etag = out.etag ?? out.md5;
    ex.send(200, etag ? { etag: `"${etag}"` } : {});
  } finally {
    endWrite();
  }
}


function metadataOf(req: IncomingMessage): ObjectMetadata {
  const h = req.headers;
  const meta: ObjectMetadata = { user: {} };
  if (h['content-type']) meta.contentType = h['content-type'];
  if (typeof h['cache-control'] === 'string') meta.cacheControl = h['cache-control'];
  if (typeof h['content-disposition'] === 'string') meta.contentDisposition = h['content-disposition'];
  if (typeof h['content-language'] === 'string') meta.contentLanguage = h['content-language'];
  for (const [name, value] of Object.entries(h)) if (name.startsWith('x-amz-meta-') && typeof value === 'string') meta.user[name.slice(11)] = value;
  return meta;
}

/** The client's headers to send on: its signing, framing and hop headers removed. */
function forwardHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROP.has(name) || name.startsWith('proxy-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const encoding = out['content-encoding'];
  if (encoding !== undefined) {
    // aws-chunked framing is removed here; any other coding is the object's own.
    const rest = encoding.split(',').map((e) => e.trim()).filter((e) => e !== '' && e !== 'aws-chunked');
    if (rest.length > 0) out['content-encoding'] = rest.join(', ');
    else delete out['content-encoding'];
  }
  // A checksum algorithm whose value rode in the (removed) trailer would leave the destination waiting for it.
  if (out['x-amz-sdk-checksum-algorithm'] !== undefined && !Object.keys(out).some((n) => n.startsWith('x-amz-checksum-') && n !== 'x-amz-checksum-type')) {
    delete out['x-amz-sdk-checksum-algorithm'];
  }
  return out;
}

/** `bucket/key[?versionId=v]` (leading slash optional, key URL-encoded); only the mirror's own bucket. */
export function parseCopySource(value: string, bucket: string): { key: string; versionId: string | undefined } {
  let v = value.startsWith('/') ? value.slice(1) : value;
  let versionId: string | undefined;
  const q = v.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(v.slice(q + 1));
    versionId = params.get('versionId') ?? undefined;
    v = v.slice(0, q);
  }
  const slash = v.indexOf('/');
  let srcBucket: string;
  let key: string;
  try {
    srcBucket = decodeURIComponent(slash < 0 ? v : v.slice(0, slash));
    key = slash < 0 ? '' : decodeURIComponent(v.slice(slash + 1));
  } catch {
    throw new S3Fault('InvalidArgument', 400, 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });
  }
  if (key === '') throw new S3Fault('InvalidArgument', 400, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: value });
  if (srcBucket !== bucket) throw accessDenied(`The Ferry mirror copies within its bucket ${bucket} only`);
  return { key, versionId };
}

function answerHeaders(upstream: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || DROP_ANSWER.has(name) || name === 'content-length') continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The destination's answer, as it is, to the client. */
async function relay(ex: Exchange, upstream: IncomingMessage): Promise<void> {
  const headers = answerHeaders(upstream);
  const length = upstream.headers['content-length'];
  if (length !== undefined) headers['content-length'] = length;
  const status = upstream.statusCode ?? 502;
  if (ex.isHead || length === undefined) {
    // Chunked or bodiless: read it whole (these answers are small XML documents).
    const body = await readBody(upstream);
    if (ex.isHead) {
      ex.res.writeHead(status, headers);
      ex.res.end();
      return;
    }
    ex.send(status, headers, body);
    return;
  }
  await ex.stream(status, headers, upstream, Number(length));
}
