/**
 * A small XML reader for S3's responses (and the one request body S3 wants
 * as XML). Elements, text, entities, CDATA; comments, processing
 * instructions and a DOCTYPE are skipped; attributes and namespaces are not
 * needed and are ignored. No dependency, and about ten times faster than the
 * SDK's deserialisers on a 1,000-key listing.
 */

export interface XmlElement {
  /** Local name (any `prefix:` dropped). */
  name: string;
  /** Text of an element without child elements (entities decoded); `''` otherwise. */
  text: string;
  children: XmlElement[];
}

export class XmlError extends Error {
  constructor(message: string) {
    super(`malformed XML in the response: ${message}`);
    this.name = 'XmlError';
  }
}

const SLASH = 47; // /
const QUESTION = 63; // ?
const BANG = 33; // !

/** Parses a whole document into its root element. Throws `XmlError` on malformed input. */
export function parseXml(xml: string): XmlElement {
  const open: XmlElement[] = [];
  const qnames: string[] = [];
  const contentStart: number[] = [];
  /** Whether an open element's content holds CDATA or comments (so its text needs the slow path). */
  const mixed: boolean[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  const n = xml.length;
  for (;;) {
    const lt = xml.indexOf('<', pos);
    if (lt === -1) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === SLASH) {
      const gt = xml.indexOf('>', lt + 2);
      if (gt === -1) throw new XmlError('unterminated end tag');
      const qname = xml.slice(lt + 2, gt).trimEnd();
      const el = open.pop();
      if (el === undefined || qnames.pop() !== qname) throw new XmlError(`unexpected </${qname}>`);
      const start = contentStart.pop() as number;
      const hasMixed = mixed.pop() as boolean;
      if (el.children.length === 0) el.text = leafText(xml, start, lt, hasMixed);
      pos = gt + 1;
    } else if (c === QUESTION) {
      const end = xml.indexOf('?>', lt + 2);
      if (end === -1) throw new XmlError('unterminated processing instruction');
      pos = end + 2;
    } else if (c === BANG) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('-->', lt + 4);
        if (end === -1) throw new XmlError('unterminated comment');
        pos = end + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end === -1) throw new XmlError('unterminated CDATA section');
        pos = end + 3;
      } else {
        pos = skipDoctype(xml, lt);
      }
      if (mixed.length > 0) mixed[mixed.length - 1] = true;
    } else {
      let i = lt + 1;
      while (i < n) {
        const ch = xml.charCodeAt(i);
        // Name ends at white space, `/` or `>`.
        if (ch === 62 || ch === SLASH || ch === 32 || ch === 9 || ch === 10 || ch === 13) break;
        i++;
      }
      const qname = xml.slice(lt + 1, i);
      if (qname === '') throw new XmlError('empty tag name');
      const gt = tagEnd(xml, i);
      const colon = qname.indexOf(':');
      const el: XmlElement = { name: colon === -1 ? qname : qname.slice(colon + 1), text: '', children: [] };
      const parent = open[open.length - 1];
      if (parent !== undefined) parent.children.push(el);
      else if (root === undefined) root = el;
      else throw new XmlError('more than one root element');
      if (xml.charCodeAt(gt - 1) !== SLASH) {
        open.push(el);
        qnames.push(qname);
        contentStart.push(gt + 1);
        mixed.push(false);
      }
      pos = gt + 1;
    }
  }
  if (root === undefined) throw new XmlError('no root element');
  if (open.length > 0) throw new XmlError(`<${qnames[qnames.length - 1]}> is not closed`);
  return root;
}

/** Index of the `>` closing a start tag, skipping quoted attribute values. */
function tagEnd(xml: string, from: number): number {
  let i = from;
  for (;;) {
    const gt = xml.indexOf('>', i);
    if (gt === -1) throw new XmlError('unterminated start tag');
    const q = firstQuote(xml, i, gt);
    if (q === -1) return gt;
    const close = xml.indexOf(xml[q] as string, q + 1);
    if (close === -1) throw new XmlError('unterminated attribute value');
    i = close + 1;
  }
}

function firstQuote(xml: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const ch = xml.charCodeAt(i);
    if (ch === 34 || ch === 39) return i;
  }
  return -1;
}

function skipDoctype(xml: string, lt: number): number {
  const bracket = xml.indexOf('[', lt);
  const gt = xml.indexOf('>', lt);
  if (gt === -1) throw new XmlError('unterminated declaration');
  if (bracket !== -1 && bracket < gt) {
    const end = xml.indexOf(']>', bracket);
    if (end === -1) throw new XmlError('unterminated DOCTYPE');
    return end + 2;
  }
  return gt + 1;
}

function leafText(xml: string, start: number, end: number, hasMixed: boolean): string {
  let text: string;
  if (!hasMixed) {
    const raw = xml.slice(start, end);
    text = raw.includes('&') ? decodeEntities(raw) : raw;
  } else {
    text = '';
    let pos = start;
    while (pos < end) {
      const lt = xml.indexOf('<', pos);
      const stop = lt === -1 || lt > end ? end : lt;
      if (stop > pos) text += decodeEntities(xml.slice(pos, stop));
      if (stop === end) break;
      if (xml.startsWith('<![CDATA[', stop)) {
        const close = xml.indexOf(']]>', stop + 9);
        text += xml.slice(stop + 9, close);
        pos = close + 3;
      } else if (xml.startsWith('<!--', stop)) {
        pos = xml.indexOf('-->', stop + 4) + 3;
      } else {
        pos = xml.indexOf('>', stop) + 1;
      }
    }
  }
  // As the SDK reads S3 XML: a value of nothing but white space with a line break is the layout, not a value.
  if (text.length > 0 && text.includes('\n') && text.trim() === '') return '';
  return text;
}

/** Decodes the five predefined entities and numeric character references; anything else is left as is. */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp === -1) return text;
  let out = '';
  let done = 0;
  while (amp !== -1) {
    const semi = text.indexOf(';', amp + 2);
    // Entity names here are at most 10 characters (`#x10FFFF`, `#1114111`).
    if (semi === -1) break;
    const decoded = semi - amp <= 11 ? entity(text.slice(amp + 1, semi)) : undefined;
    if (decoded === undefined) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    out += text.slice(done, amp) + decoded;
    done = semi + 1;
    amp = text.indexOf('&', done);
  }
  return done === 0 ? text : out + text.slice(done);
}

const HEX = /^[0-9a-fA-F]{1,8}$/;
const DEC = /^[0-9]{1,10}$/;

function entity(name: string): string | undefined {
  switch (name) {
    case 'quot':
      return '"';
    case 'amp':
      return '&';
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'apos':
      return "'";
  }
  if (name.charCodeAt(0) !== 35 /* # */) return undefined;
  const hex = name.charCodeAt(1) === 120 || name.charCodeAt(1) === 88; // x X
  const digits = name.slice(hex ? 2 : 1);
  if (!(hex ? HEX : DEC).test(digits)) return undefined;
  const code = parseInt(digits, hex ? 16 : 10);
  // Not a character: left as written rather than failing the whole response.
  if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return String.fromCodePoint(code);
}

const ESCAPE = /[&<>"'\r\n]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;', '\n': '&#xA;' };

/** Text safe inside an element or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(ESCAPE, (c) => ESCAPES[c] as string);
}

// ---------------------------------------------------------------- reading elements

export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (c.name === name) return c;
  return undefined;
}

export function childText(el: XmlElement, name: string): string | undefined {
  return child(el, name)?.text;
}

/** The response's root if it has this name, else its first child of that name (some servers wrap it). */
function rootNamed(root: XmlElement, name: string): XmlElement {
  return root.name === name ? root : (child(root, name) ?? root);
}

function intOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function dateOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------- S3 responses

export interface ListedObject {
  key: string | undefined;
  lastModifiedMs: number | undefined;
  etag: string | undefined;
  size: number | undefined;
  storageClass: string | undefined;
}

export interface ListObjectsV2Result {
  contents: ListedObject[];
  /** CommonPrefixes' Prefix values, as sent (still URL-encoded with `encoding-type=url`). */
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken: string | undefined;
  /** `url` when keys and prefixes came URL-encoded. */
  encodingType: string | undefined;
}

export function parseListObjectsV2(xml: string): ListObjectsV2Result {
  const root = rootNamed(parseXml(xml), 'ListBucketResult');
  const out: ListObjectsV2Result = { contents: [], commonPrefixes: [], isTruncated: false, nextContinuationToken: undefined, encodingType: undefined };
  for (const el of root.children) {
    switch (el.name) {
      case 'Contents': {
        const item: ListedObject = { key: undefined, lastModifiedMs: undefined, etag: undefined, size: undefined, storageClass: undefined };
        for (const f of el.children) {
          switch (f.name) {
            case 'Key':
              item.key = f.text;
              break;
            case 'LastModified':
              item.lastModifiedMs = dateOf(f.text);
              break;
            case 'ETag':
              item.etag = f.text;
              break;
            case 'Size':
              item.size = intOf(f.text);
              break;
            case 'StorageClass':
              item.storageClass = f.text;
              break;
          }
        }
        out.contents.push(item);
        break;
      }
      case 'CommonPrefixes': {
        const prefix = childText(el, 'Prefix');
        if (prefix !== undefined) out.commonPrefixes.push(prefix);
        break;
      }
      case 'IsTruncated':
        out.isTruncated = el.text.trim() === 'true';
        break;
      case 'NextContinuationToken':
        out.nextContinuationToken = el.text;
        break;
      case 'EncodingType':
        out.encodingType = el.text;
        break;
    }
  }
  return out;
}

export interface ErrorBody {
  code: string | undefined;
  message: string | undefined;
  requestId: string | undefined;
}

/** Code and Message of an S3 error document; undefined when the body is not one (empty, HTML from a proxy). */
export function parseErrorBody(xml: string): ErrorBody | undefined {
  if (!xml.includes('<')) return undefined;
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch {
    return undefined;
  }
  const el = rootNamed(root, 'Error');
  const code = childText(el, 'Code');
  const message = childText(el, 'Message');
  if (code === undefined && message === undefined) return undefined;
  return { code: code || undefined, message: message || undefined, requestId: childText(el, 'RequestId') };
}

export function parseInitiateMultipartUpload(xml: string): { uploadId: string | undefined } {
  return { uploadId: childText(rootNamed(parseXml(xml), 'InitiateMultipartUploadResult'), 'UploadId') };
}

export function parseCompleteMultipartUpload(xml: string): { etag: string | undefined } {
  return { etag: childText(rootNamed(parseXml(xml), 'CompleteMultipartUploadResult'), 'ETag') };
}

/** CopyObjectResult and CopyPartResult alike. */
export function parseCopyResult(xml: string): { etag: string | undefined; lastModifiedMs: number | undefined } {
  const root = parseXml(xml);
  return { etag: childText(root, 'ETag'), lastModifiedMs: dateOf(childText(root, 'LastModified')) };
}

export interface ListPartsResult {
  parts: { partNumber: number | undefined; etag: string | undefined; size: number | undefined }[];
  isTruncated: boolean;
  nextPartNumberMarker: string | undefined;
}

export function parseListParts(xml: string): ListPartsResult {
  const root = rootNamed(parseXml(xml), 'ListPartsResult');
  const out: ListPartsResult = { parts: [], isTruncated: false, nextPartNumberMarker: undefined };
  for (const el of root.children) {
    if (el.name === 'Part') {
      out.parts.push({ partNumber: intOf(childText(el, 'PartNumber')), etag: childText(el, 'ETag'), size: intOf(childText(el, 'Size')) });
    } else if (el.name === 'IsTruncated') {
      out.isTruncated = el.text.trim() === 'true';
    } else if (el.name === 'NextPartNumberMarker') {
      out.nextPartNumberMarker = el.text || undefined;
    }
  }
  return out;
}

/** The CompleteMultipartUpload request body. ETags are sent as given (quoted by the caller). */
export function completeMultipartUploadXml(parts: readonly { partNumber: number; etag: string }[]): string {
  let xml = '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">';
  for (const p of parts) xml += `<Part><ETag>${escapeXml(p.etag)}</ETag><PartNumber>${p.partNumber}</PartNumber></Part>`;
  return `${xml}</CompleteMultipartUpload>`;
}
