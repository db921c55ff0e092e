import { FerryError } from '../core/index.js';
import type { SecretBox } from '../home/index.js';
import type { S3Credentials, StoreSpec } from '../stores/store-spec.js';
import type { Address, S3Address } from './address.js';
import { readAwsProfile } from './aws-profile.js';
import { ioTimeoutOf } from './io-timeout.js';

/**
 * Turns a stored address into what a store needs, secrets included: the
 * sealed secret is opened, an env-var or profile secret is read now (so a
 * rotated key is picked up without editing the address).
 */
export function resolveSpec(address: Address, env: NodeJS.ProcessEnv, secretBox: SecretBox): StoreSpec {
  switch (address.type) {
    case 'local':
      return { type: 'local', name: address.name, path: address.path, prefix: address.prefix };
    case 'http-list':
      return { type: 'http-list', name: address.name, list: address.list, prefix: address.prefix };
    case 's3':
      return {
        type: 's3',
        name: address.name,
        provider: address.provider,
        endpoint: address.endpoint,
        bucket: address.bucket,
        prefix: address.prefix,
        region: address.region,
        pathStyle: address.pathStyle,
        credentials: credentialsOf(address, env, secretBox),
        ioTimeoutMs: ioTimeoutOf(env),
      };
  }
}

function credentialsOf(address: S3Address, env: NodeJS.ProcessEnv, secretBox: SecretBox): S3Credentials | undefined {
  if (address.profile !== undefined) return readAwsProfile(address.profile, env, address.name);
  if (address.accessKeyId === undefined) return undefined; // anonymous
  if (address.secretEnc !== undefined) {
    return { accessKeyId: address.accessKeyId, secretAccessKey: secretBox.decrypt(address.secretEnc, address.name) };
  }
  if (address.secretEnv !== undefined) {
    const secretAccessKey = env[address.secretEnv];
    if (!secretAccessKey) {
      throw new FerryError('CONFIG', `address "${address.name}": environment variable ${address.secretEnv} is not set`, {
        fatal: true,
      });
    }
    return { accessKeyId: address.accessKeyId, secretAccessKey };
  }
  throw new FerryError('CONFIG', `address "${address.name}" has an access key id but no secret`, { fatal: true });
}

/** An address for display: field order as shown, no secret, key id masked. */
export type RedactedAddress = Record<string, string | boolean>;

export function redactAddress(address: Address): RedactedAddress {
  const shown: RedactedAddress = { name: address.name, type: address.type };
  switch (address.type) {
    case 's3':
      Object.assign(shown, {
        provider: address.provider,
        endpoint: address.endpoint,
        bucket: address.bucket,
        prefix: address.prefix,
      });
      if (address.region !== undefined) shown.region = address.region;
      if (address.pathStyle !== undefined) shown.pathStyle = address.pathStyle;
      if (address.accessKeyId !== undefined) shown.accessKeyId = maskKeyId(address.accessKeyId);
      shown.secret = secretLabel(address);
      break;
    case 'local':
      Object.assign(shown, { path: address.path, prefix: address.prefix });
      break;
    case 'http-list':
      Object.assign(shown, { list: address.list, prefix: address.prefix });
      break;
  }
  shown.createdAt = address.createdAt;
  shown.updatedAt = address.updatedAt;
  return shown;
}

/** Enough of a key id to tell two apart, not enough to use it. */
export function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…` : '****';
}

function secretLabel(address: S3Address): string {
  if (address.profile !== undefined) return `profile:${address.profile}`;
  if (address.secretEnv !== undefined) return `env:${address.secretEnv}`;
  if (address.secretEnc !== undefined) return '****';
  return 'none (anonymous)';
}

/** A one-line, secret-free summary of where an address points. */
export function describeAddress(address: Address): string {
  switch (address.type) {
    case 's3':
      return `s3[${address.provider}] ${address.endpoint}/${address.bucket}/${address.prefix}`;
    case 'local':
      return `local ${address.path}${address.prefix ? `/${address.prefix}` : ''}`;
    case 'http-list':
      return `http-list ${address.list}${address.prefix ? ` (${address.prefix})` : ''}`;
  }
}
