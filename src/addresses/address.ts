/**
 * A named data address as stored: everything needed to reach the data except
 * a clear secret. `secretEnc` is sealed by the home's SecretBox; `secretEnv`
 * and `profile` are only names, looked up when the address is resolved.
 */
export type Address = S3Address | LocalAddress | HttpListAddress;
export type AddressType = Address['type'];

export const ADDRESS_TYPES = ['s3', 'local', 'http-list'] as const satisfies readonly AddressType[];

interface AddressMeta {
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
}

export interface S3Address extends AddressMeta {
  type: 's3';
  /** Kept as a string: a database may outlive a provider row. */
  provider: string;
  endpoint: string;
  bucket: string;
  prefix: string;
  region?: string | undefined;
  pathStyle?: boolean | undefined;
  accessKeyId?: string | undefined;
  /** AWS shared-credentials profile name, read at resolve time. */
  profile?: string | undefined;
  /** The secret access key, sealed (`v1:...`). */
  secretEnc?: string | undefined;
  /** Name of the environment variable holding the secret access key. */
  secretEnv?: string | undefined;
}

export interface LocalAddress extends AddressMeta {
  type: 'local';
  /** Absolute directory path. */
  path: string;
  prefix: string;
}

export interface HttpListAddress extends AddressMeta {
  type: 'http-list';
  /** Absolute path of the list file. */
  list: string;
  prefix: string;
}
