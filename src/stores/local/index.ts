/** The local-disk backend: a directory tree as a bucket. */
export { LocalStore, type LocalStoreOptions } from './local-store.js';
export type { MarkerMode } from './walk.js';
export { TEMP_PREFIX, isTempName } from './temp-name.js';
export { contentTypeFor } from './content-type.js';
