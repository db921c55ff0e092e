import type { ObjectStore } from '../stores/index.js';
import { escapeXml } from '../stores/s3/lean/xml.js';
import { encodeKeyPath } from '../stores/s3/lean/sigv4.js';
import type { Exchange } from './exchange.js';
import { continuationToken, listPage, parseContinuationToken, type ListEntry, type ListQuery } from './list-merge.js';
import { invalidArgument } from './s3-fault.js';

const MAX_KEYS = 1000;
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface ListDeps {
  src: ObjectStore;
  dst: ObjectStore;
  bucket: string;
  isDeleted: (key: string) => boolean;
}

/** ListObjectsV2 (`list-type=2`) or the original ListObjects, over the merged namespace. */
export async function listObjects(deps: ListDeps, ex: Exchange, query: ReadonlyMap<string, string>): Promise<void> {
  const v2 = query.get('list-type') === '2';
  if (query.has('list-type') && !v2) throw invalidArgument('Invalid List Type specified', 'list-type', query.get('list-type'));
  const encoding = query.get('encoding-type');
  if (encoding !== undefined && encoding !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encoding);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const q: ListQuery = { prefix, delimiter, startAfter: undefined, after: undefined, maxKeys };
  const token = v2 ? query.get('continuation-token') : undefined;
  const marker = v2 ? undefined : query.get('marker');
  if (token !== undefined) q.after = parseContinuationToken(token);
  else if (v2) q.startAfter = query.get('start-after') || undefined;
  else if (marker) {
    if (delimiter && marker.endsWith(delimiter)) q.after = { key: marker };
    else q.startAfter = marker;
  }
  ex.outcome = 'list';
  const page = await listPage(deps.dst, deps.src, q, deps.isDeleted);
  const enc = (s: string): string => escapeXml(encoding === 'url' ? encodeKeyPath(s) : s);
  const last = page.entries.at(-1);
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${NS}"><Name>${escapeXml(deps.bucket)}</Name><Prefix>${enc(prefix)}</Prefix>`;
  if (v2) {
    if (token !== undefined) xml += `<ContinuationToken>${escapeXml(token)}</ContinuationToken>`;
    if (q.startAfter !== undefined) xml += `<StartAfter>${enc(q.startAfter)}</StartAfter>`;
    xml += `<KeyCount>${page.entries.length}</KeyCount>`;
  } else {
    xml += `<Marker>${enc(marker ?? '')}</Marker>`;
  }
  xml += `<MaxKeys>${maxKeys}</MaxKeys>`;
  if (delimiter !== undefined) xml += `<Delimiter>${enc(delimiter)}</Delimiter>`;
  if (encoding !== undefined) xml += `<EncodingType>${encoding}</EncodingType>`;
  xml += `<IsTruncated>${page.truncated}</IsTruncated>`;
  if (page.truncated && last) {
    if (v2) xml += `<NextContinuationToken>${continuationToken(last)}</NextContinuationToken>`;
    else if (delimiter !== undefined) xml += `<NextMarker>${enc(last.key)}</NextMarker>`;
  }
  const prefixes: string[] = [];
  for (const e of page.entries) {
    if (e.object) xml += contents(e, enc);
    else prefixes.push(`<CommonPrefixes><Prefix>${enc(e.key)}</Prefix></CommonPrefixes>`);
  }
  xml += `${prefixes.join('')}</ListBucketResult>`;
  ex.xml(200, xml);
}

function contents(e: ListEntry, enc: (s: string) => string): string {
  const o = e.object!;
  const etag = o.etag === undefined ? '' : `<ETag>&quot;${escapeXml(o.etag)}&quot;</ETag>`;
  return `<Contents><Key>${enc(o.key)}</Key><LastModified>${new Date(o.storedMs ?? o.mtimeMs).toISOString()}</LastModified>${etag}<Size>${o.size}</Size><StorageClass>${escapeXml(o.storageClass ?? 'STANDARD')}</StorageClass></Contents>`;
}

function parseMaxKeys(text: string | undefined): number {
  if (text === undefined) return MAX_KEYS;
  if (!/^\d+$/.test(text)) throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', text);
  return Math.min(Number(text), MAX_KEYS);
}

/** The answer to ListBuckets: the one bucket the mirror serves. */
export function listBucketsXml(bucket: string, accessKeyId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="${NS}"><Owner><ID>${escapeXml(accessKeyId)}</ID><DisplayName>${escapeXml(accessKeyId)}</DisplayName></Owner>` +
    `<Buckets><Bucket><Name>${escapeXml(bucket)}</Name><CreationDate>${new Date(0).toISOString()}</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`
  );
}
