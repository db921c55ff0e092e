/**
 * Named data addresses: validation of what users give (`parseAddressInput`),
 * storage with sealed secrets (`AddressRepository`), turning an address or a
 * `ferry copy` argument into a `StoreSpec` (`resolveSpec`, `resolveLocation`)
 * and secret-free display (`redactAddress`, `describeAddress`).
 */
export { ADDRESS_TYPES, type Address, type AddressType, type S3Address, type LocalAddress, type HttpListAddress } from './address.js';
export {
  parseAddressInput,
  issuesToUsageError,
  addressNameSchema,
  ADDRESS_NAME_RE,
  ENV_NAME_RE,
  type AddressInput,
} from './address-schema.js';
export { FIELD_FLAGS, flagFor } from './address-flags.js';
export { AddressRepository } from './address-repository.js';
export { resolveSpec, redactAddress, describeAddress, maskKeyId, type RedactedAddress } from './resolve-address.js';
export { resolveLocation, isLocalPathArg, joinPrefix, type ResolveLocationOptions } from './resolve-location.js';
export { assertNoOverlap } from './location-overlap.js';
export { parseIni, readAwsProfile, awsCredentialsFile } from './aws-profile.js';
export { guessProvider } from './guess-provider.js';
export { absolutePath } from './expand-home.js';
