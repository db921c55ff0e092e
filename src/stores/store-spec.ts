/**
 * A resolved description of where objects live: what an address or a
 * `ferry copy` argument turns into once secrets are decrypted. Never logged
 * as is (see `describeSpec`).
 */
export type StoreSpec = S3Spec | LocalSpec | HttpListSpec;

interface SpecBase {
  /** The address name this spec came from, for messages ("address \"src\" ..."). */
  name?: string | undefined;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface S3Spec extends SpecBase {
  type: 's3';
  /** A key of the provider table (`aws`, `oss`, `cos`, `kodo`, `ceph`, ...). */
  provider: string;
  endpoint: string;
  bucket: string;
  /** Key prefix inside the bucket, byte-exact (`''` for the whole bucket). */
  prefix: string;
  region?: string | undefined;
  /** Overrides the provider's default addressing style. */
  pathStyle?: boolean | undefined;
  /** Absent for anonymous access. */
  credentials?: S3Credentials | undefined;
  /** Idle time before a request is abandoned (`FERRY_IO_TIMEOUT`); the client's default when absent. */
  ioTimeoutMs?: number | undefined;
}

export interface LocalSpec extends SpecBase {
  type: 'local';
  /** Absolute directory path; objects are the files below it. */
  path: string;
  /** Sub-path (relative key prefix) inside the directory. */
  prefix: string;
}

export interface HttpListSpec extends SpecBase {
  type: 'http-list';
  /** Path of the list file (ossimport `httpListFilePath`). */
  list: string;
  /** Only list entries whose key starts with this. */
  prefix: string;
}

/** A one-line, secret-free description of a spec. */
export function describeSpec(spec: StoreSpec): string {
  const where = describeWhere(spec);
  return spec.name ? `address "${spec.name}" (${where})` : where;
}

function describeWhere(spec: StoreSpec): string {
  switch (spec.type) {
    case 's3':
      return `s3[${spec.provider}] ${spec.endpoint}/${spec.bucket}/${spec.prefix}`;
    case 'local':
      return `local ${spec.path}${spec.prefix ? `/${spec.prefix}` : ''}`;
    case 'http-list':
      return `http-list ${spec.list}${spec.prefix ? ` (${spec.prefix})` : ''}`;
  }
}
