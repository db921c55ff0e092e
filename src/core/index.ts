/** Core vocabulary shared by every layer: errors, object descriptions, keys. */
export * from './errors.js';
export * from './object-info.js';
export * from './keys.js';
export * from './retry.js';
export * from './etag.js';
export * from './validate.js';
