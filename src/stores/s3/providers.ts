/**
 * Provider differences as data (rclone's backend/s3/provider/*.yaml), never
 * as `if` chains in the driver. Add a provider by adding a row.
 */
export interface ProviderQuirks {
  /** Human name for messages. */
  title: string;
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint`. */
  pathStyle: boolean;
  /** Region sent in SigV4 when the address does not give one. */
  defaultRegion: string;
  /** A plain (single-part) ETag is the hex MD5 of the content. */
  etagIsMd5: boolean;
  /** A multipart ETag is MD5(concat(part MD5s))-N. */
  multipartEtagIsMd5OfParts: boolean;
  /** Response header carrying CRC64-ECMA of the whole object, if the provider sends one. */
  crc64Header?: string;
  /** Listings may be asked for url-encoded keys (safe for keys with control characters). */
  listUrlEncoding: boolean;
  /**
   * Extra header that carries CopyObject's source ETag condition, for servers
   * that do not read `x-amz-copy-source-if-match`: Ceph RGW (through Pacific
   * at least) reads `x-amz-copy-if-match` and silently copies whatever
   * version is current otherwise (tracker.ceph.com/issues/40808).
   */
  copyIfMatchHeader?: string;
  /**
   * UploadPartCopy refuses a source whose ETag no longer matches
   * `x-amz-copy-source-if-match`. When false (Ceph RGW ignores it), the store
   * checks the source's ETag with a HEAD before and after each part copy.
   */
  partCopyIfMatch: boolean;
  /** Storage classes whose objects cannot be read without a restore. */
  archiveClasses: readonly string[];
  maxParts: number;
  minPartSize: number;
  maxPartSize: number;
  /** Largest single PutObject / CopyObject. */
  maxSinglePutSize: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const s3Like: ProviderQuirks = {
  title: 'S3-compatible',
  pathStyle: true,
  defaultRegion: 'us-east-1',
  etagIsMd5: true,
  multipartEtagIsMd5OfParts: true,
  listUrlEncoding: true,
  partCopyIfMatch: true,
  archiveClasses: ['GLACIER', 'DEEP_ARCHIVE'],
  maxParts: 10_000,
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxSinglePutSize: 5 * GiB,
};

export const PROVIDERS = {
  aws: { ...s3Like, title: 'Amazon S3', pathStyle: false },
  oss: {
    ...s3Like,
    title: 'Alibaba Cloud OSS',
    pathStyle: false,
    defaultRegion: 'oss-cn-hangzhou',
    // OSS multipart ETags are not derived from part MD5s; CRC64 verifies instead.
    multipartEtagIsMd5OfParts: false,
    crc64Header: 'x-oss-hash-crc64ecma',
    archiveClasses: ['Archive', 'ColdArchive', 'DeepColdArchive', 'GLACIER', 'DEEP_ARCHIVE'],
    minPartSize: 100 * 1024,
  },
  cos: {
    ...s3Like,
    title: 'Tencent COS',
    pathStyle: false,
    defaultRegion: 'ap-guangzhou',
    crc64Header: 'x-cos-hash-crc64ecma',
    archiveClasses: ['ARCHIVE', 'DEEP_ARCHIVE'],
    minPartSize: 1 * MiB,
  },
  kodo: {
    ...s3Like,
    title: 'Qiniu Kodo',
    pathStyle: false,
    defaultRegion: 'cn-east-1',
    // Kodo ETags are its own "qetag" hash, not MD5: never compare them with MD5s.
    etagIsMd5: false,
    multipartEtagIsMd5OfParts: false,
    archiveClasses: ['GLACIER', 'DEEP_ARCHIVE', 'ARCHIVE'],
    minPartSize: 1 * MiB,
    maxSinglePutSize: 1 * GiB,
  },
  obs: {
    ...s3Like,
    title: 'Huawei OBS',
    pathStyle: false,
    defaultRegion: 'cn-north-4',
    archiveClasses: ['COLD', 'GLACIER', 'DEEP_ARCHIVE'],
    minPartSize: 100 * 1024,
  },
  bos: {
    ...s3Like,
    title: 'Baidu BOS',
    pathStyle: false,
    defaultRegion: 'bj',
    archiveClasses: ['ARCHIVE', 'GLACIER'],
    minPartSize: 100 * 1024,
  },
  ks3: {
    ...s3Like,
    title: 'Kingsoft KS3',
    pathStyle: false,
    defaultRegion: 'BEIJING',
    archiveClasses: ['ARCHIVE', 'GLACIER'],
  },
  minio: { ...s3Like, title: 'MinIO' },
  ceph: { ...s3Like, title: 'Ceph RADOS Gateway', copyIfMatchHeader: 'x-amz-copy-if-match', partCopyIfMatch: false },
  other: { ...s3Like, title: 'S3-compatible', etagIsMd5: true },
} as const satisfies Record<string, ProviderQuirks>;

export type ProviderName = keyof typeof PROVIDERS;

export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDERS, name);
}

export function providerQuirks(name: string): ProviderQuirks {
  return isProviderName(name) ? PROVIDERS[name] : PROVIDERS.other;
}
