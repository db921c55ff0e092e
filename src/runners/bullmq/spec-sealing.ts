import { isLocalPathArg, type AddressRepository } from '../../addresses/index.js';
import { FerryError } from '../../core/index.js';
import { parseKeyText, SECRET_KEY_ENV, SecretBox } from '../../home/index.js';
import type { S3Spec, StoreSpec } from '../../stores/index.js';

/** A secret as it travels through Redis: sealed with the shared key, or the name of a worker-side variable. */
export type SecretRef = { sealed: string } | { env: string };

/** An S3 spec whose secrets are references, never clear text. */
export interface SealedS3Spec extends Omit<S3Spec, 'credentials'> {
  credentials?: { accessKeyId: string; secret: SecretRef; sessionToken?: SecretRef | undefined } | undefined;
}

/** What a queued task says about where to copy: safe to store in Redis. */
export type SealedSpec = SealedS3Spec | Exclude<StoreSpec, S3Spec>;

const KEY_HINT = `the same ${SECRET_KEY_ENV} on the coordinator and every worker (generate one with: openssl rand -hex 32)`;

/** The shared key from `FERRY_SECRET_KEY`, or undefined when the variable is unset. */
export function sharedSecretBox(env: NodeJS.ProcessEnv): SecretBox | undefined {
  const text = env[SECRET_KEY_ENV];
  return text ? SecretBox.fromKey(parseKeyText(text, SECRET_KEY_ENV)) : undefined;
}

/**
 * Replaces a resolved spec's secrets by references. A secret the address
 * reads from an environment variable (`--secret-env`) travels as that
 * variable's name, for each worker to read from its own environment; any
 * other (stored in the home, or from an AWS profile) is sealed with the
 * shared key, and without one the run cannot be handed to workers.
 */
export function sealSpec(spec: StoreSpec, how: { secretEnv?: string | undefined; box?: SecretBox | undefined }): SealedSpec {
  if (spec.type !== 's3') return spec;
  const { credentials, ...rest } = spec;
  if (!credentials) return rest;
  const seal = (secret: string): SecretRef => {
    if (!how.box) {
      throw new FerryError(
        'CONFIG',
        `${SECRET_KEY_ENV} is not set: address ${JSON.stringify(spec.name ?? spec.bucket)} has a secret that must travel to the workers sealed; set ${KEY_HINT}, or store the secret with --secret-env`,
        { fatal: true, field: SECRET_KEY_ENV },
      );
    }
    return { sealed: how.box.encrypt(secret) };
  };
  return {
    ...rest,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secret: how.secretEnv !== undefined ? { env: how.secretEnv } : seal(credentials.secretAccessKey),
      sessionToken: credentials.sessionToken === undefined ? undefined : seal(credentials.sessionToken),
    },
  };
}

/** The worker's side: references back to secrets, from its own environment and the shared key. */
export function unsealSpec(sealed: SealedSpec, env: NodeJS.ProcessEnv, box: SecretBox | undefined): StoreSpec {
  if (sealed.type !== 's3') return sealed;
  const { credentials, ...rest } = sealed;
  if (!credentials) return rest;
  const owner = sealed.name ?? sealed.bucket;
  const open = (ref: SecretRef): string => {
    if ('env' in ref) {
      const value = env[ref.env];
      if (!value) throw new FerryError('CONFIG', `address ${JSON.stringify(owner)}: environment variable ${ref.env} is not set on this worker`, { fatal: true });
      return value;
    }
    if (!box) throw new FerryError('CONFIG', `${SECRET_KEY_ENV} is not set on this worker: cannot open the secret of address ${JSON.stringify(owner)}; set ${KEY_HINT}`, { fatal: true });
    return box.decrypt(ref.sealed, owner);
  };
  return {
    ...rest,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: open(credentials.secret),
      sessionToken: credentials.sessionToken === undefined ? undefined : open(credentials.sessionToken),
    },
  };
}

/** The environment variable an address location (`NAME` or `NAME:sub`) reads its secret from, if any. */
export function secretEnvOf(location: string, addresses: AddressRepository): string | undefined {
  if (isLocalPathArg(location)) return undefined;
  const colon = location.indexOf(':');
  const address = addresses.find(colon < 0 ? location : location.slice(0, colon));
  return address?.type === 's3' && address.profile === undefined ? address.secretEnv : undefined;
}
