/**
 * Where objects live: one `ObjectStore` contract, optional capabilities, and a
 * backend per folder (s3, local, http-list). `openStore` picks the backend.
 */
export * from './object-store.js';
export * from './capabilities.js';
export * from './store-spec.js';
export { openStore } from './open-store.js';
