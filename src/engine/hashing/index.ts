/** Checksums for verifying copies: CRC-64 (OSS/COS), streaming MD5, S3 ETags. */
export * from './crc64.js';
export * from './hashing-stream.js';
export * from '../../core/etag.js';
