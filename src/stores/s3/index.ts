/** The S3-compatible backend: one driver for every provider, with quirks as data. */
export { S3Store } from './s3-store.js';
export { PROVIDERS, PROVIDER_NAMES, providerQuirks, isProviderName, type ProviderName, type ProviderQuirks } from './providers.js';
export { classifyS3Error } from './s3-errors.js';
