// Bulk helpers for the job tests: upload many objects with bounded
// concurrency, list a bucket with sizes and ETags, hash a large object
// without holding it, and find unfinished multipart uploads.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { testClient, type TestUser } from './s3-env.js';

export interface BulkObject {
  key: string;
  body: Buffer;
}

export interface ListedObject {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
}

export const md5Hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** PutObject of every item, `concurrency` at a time. */
export async function putMany(bucket: string, items: readonly BulkObject[], which: TestUser, concurrency = 64): Promise<void> {
  const client = testClient(which);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: item.key, Body: item.body }));
      }
    }),
  );
}

/** Every object of the bucket with size and ETag, in key order. */
export async function listObjects(bucket: string, which: TestUser, prefix?: string): Promise<ListedObject[]> {
  const client = testClient(which);
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key ?? '', size: o.Size ?? 0, etag: (o.ETag ?? '').replace(/"/g, '') });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** MD5 of an object's bytes, streamed. */
export async function md5OfObject(bucket: string, key: string, which: TestUser): Promise<{ md5: string; bytes: number }> {
  const res = await testClient(which).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('md5');
  let bytes = 0;
  for await (const chunk of res.Body as Readable) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { md5: hash.digest('hex'), bytes };
}

/** Multipart uploads begun and neither completed nor aborted. */
export async function openMultipartUploads(bucket: string, which: TestUser): Promise<{ key: string; uploadId: string }[]> {
  const res = await testClient(which).send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (res.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' }));
}

/** Parses a CSV report (RFC 4180, as Ferry writes it) into rows keyed by the header. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}
