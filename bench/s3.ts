// The benchmark's own S3 access (AWS SDK, not Ferry): create and delete the
// benchmark buckets, upload datasets, and list destinations to verify runs.
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { userKeys, type S3Server } from './config.js';

/** 1 = the first user, 2 = the second (a different owner). */
export type User = 1 | 2;

/**
 * Every benchmark bucket is `fbench-<run id>-<label>`; leftovers of an aborted
 * run are recognised by LEFTOVER. (Not `ferry-…`: integration tests create and
 * sweep buckets of that shape on the same server.)
 */
export const BUCKET_PREFIX = 'fbench-';
const LEFTOVER = /^fbench-[a-z0-9]{10,16}-[a-z0-9-]+$/;

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first error. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface ListingStats {
  count: number;
  bytes: number;
}

export class BenchS3 {
  private readonly clients: [S3Client, S3Client];
  /** Buckets this process created, with their owner, until deleted. */
  private readonly owned = new Map<string, User>();
  readonly runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

  constructor(readonly server: S3Server) {
    const make = (u: User): S3Client => {
      return new S3Client({
        endpoint: server.endpoint,
        region: server.region,
        forcePathStyle: true,
        credentials: userKeys(server, u),
        // Ceph refuses the SDK's default aws-chunked trailing checksums.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 5,
        requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 128 }) }),
      });
    };
    this.clients = [make(1), make(2)];
  }

  client(u: User): S3Client {
    return u === 1 ? this.clients[0] : this.clients[1];
  }

  /** Creates `fbench-<run id>-<label>` owned by `u`. */
  async createBucket(label: string, u: User): Promise<string> {
    const name = `${BUCKET_PREFIX}${this.runId}-${label}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63).replace(/-+$/, '');
    await this.client(u).send(new CreateBucketCommand({ Bucket: name }));
    this.owned.set(name, u);
    return name;
  }

  ownerOf(bucket: string): User {
    const u = this.owned.get(bucket);
    if (u === undefined) throw new Error(`not a benchmark bucket of this run: ${bucket}`);
    return u;
  }

  async putMany(bucket: string, keys: readonly string[], size: number, concurrency: number): Promise<void> {
    const client = this.client(this.ownerOf(bucket));
    await mapLimit(keys, concurrency, async (key) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(size), ContentType: 'application/octet-stream' }));
    });
  }

  /** One object of `bytes` random bytes, uploaded as a multipart upload of `partSize` parts. */
  async putBig(bucket: string, key: string, bytes: number, partSize: number, concurrency: number): Promise<void> {
    const client = this.client(this.ownerOf(bucket));
    if (bytes <= partSize) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(bytes) }));
      return;
    }
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/octet-stream' }),
    );
    const parts = Array.from({ length: Math.ceil(bytes / partSize) }, (_, i) => i + 1);
    try {
      const done = await mapLimit(parts, concurrency, async (n): Promise<CompletedPart> => {
        const len = Math.min(partSize, bytes - (n - 1) * partSize);
        const res = await client.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: randomBytes(len), ContentLength: len }),
        );
        return { PartNumber: n, ETag: res.ETag };
      });
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: done } }),
      );
    } catch (err) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /** Object count and total bytes, following every listing page. */
  async stats(bucket: string): Promise<ListingStats> {
    const client = this.client(this.ownerOf(bucket));
    let count = 0;
    let bytes = 0;
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        count++;
        bytes += o.Size ?? 0;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { count, bytes };
  }

  /** Deletes every object and unfinished upload, then the bucket. Only benchmark buckets. */
  async deleteBucket(bucket: string, u: User = this.ownerOf(bucket)): Promise<void> {
    if (!bucket.startsWith(BUCKET_PREFIX)) throw new Error(`refusing to delete a non-benchmark bucket: ${bucket}`);
    const client = this.client(u);
    try {
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
        if (keys.length === 0) break;
        const batches: { Key: string }[][] = [];
        for (let i = 0; i < keys.length; i += 250) batches.push(keys.slice(i, i + 250));
        await mapLimit(batches, 4, async (Objects) => {
          const res = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } }));
          const e = res.Errors?.[0];
          if (e) throw new Error(`delete ${bucket}/${e.Key}: ${e.Code} ${e.Message}`);
        });
      }
      for (;;) {
        const ups = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        for (const up of ups.Uploads ?? []) {
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: up.Key, UploadId: up.UploadId }));
        }
        if (!ups.IsTruncated || !ups.Uploads?.length) break;
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchBucket') throw err;
    }
    this.owned.delete(bucket);
  }

  /** Deletes every bucket this run created (best effort; reports what failed). */
  async deleteAll(): Promise<string[]> {
    const failed: string[] = [];
    for (const [bucket, u] of this.owned) {
      await this.deleteBucket(bucket, u).catch((err: unknown) => failed.push(`${bucket}: ${String(err)}`));
    }
    return failed;
  }

  /**
   * Deletes `fbench-<run id>-*` buckets left behind by an earlier, killed
   * benchmark run: only those created more than `minAgeMs` ago, so a
   * benchmark running alongside (bench/distributed.ts on its own, say) keeps
   * its buckets.
   */
  async deleteLeftovers(minAgeMs = 2 * 60 * 60 * 1000): Promise<string[]> {
    const gone: string[] = [];
    for (const u of [1, 2] as const) {
      const res = await this.client(u).send(new ListBucketsCommand({}));
      for (const b of res.Buckets ?? []) {
        const old = b.CreationDate !== undefined && Date.now() - b.CreationDate.getTime() > minAgeMs;
        if (b.Name && LEFTOVER.test(b.Name) && old) {
          await this.deleteBucket(b.Name, u);
          gone.push(b.Name);
        }
      }
    }
    return gone;
  }

  destroy(): void {
    for (const c of this.clients) c.destroy();
  }
}
