import type { ChecksumTraits, ObjectStore, WritableStore } from '../../stores/index.js';
import type { CopyOptions } from '../copy-options.js';
import type { Throttle } from '../throttle/index.js';
import type { UploadRegistry } from './upload-registry.js';

/** What every transfer path needs: both stores, their traits, options and meters. */
export interface TransferContext {
  src: ObjectStore;
  dst: WritableStore;
  srcTraits: ChecksumTraits;
  dstTraits: ChecksumTraits;
  options: CopyOptions;
  /** Bytes moved, as they move (progress and throttling). */
  onBytes: (n: number) => void;
  /** A retry happened (counted in the summary). */
  onRetry: (key: string, err: unknown) => void;
  signal?: AbortSignal | undefined;
  /**
   * Limits to obey. `bytes` paces streamed bodies, and server-side copies
   * take their whole size before the request, so a byte limit bounds those
   * too (it is what the provider moves); `objects` is taken by the run loop.
   */
  throttle?: Throttle | undefined;
  /** Remembers multipart uploads so an interrupted one resumes from its finished parts. */
  uploads?: UploadRegistry | undefined;
}

/** How an object was verified and what the destination now reports, for reports. */
export interface TransferOutcome {
  method: 'server-side' | 'stream' | 'multipart' | 'server-side-multipart';
  dstEtag?: string | undefined;
  dstCrc64?: string | undefined;
  /** Hex MD5 of the content when Ferry saw every byte in one stream. */
  md5?: string | undefined;
  crc64?: string | undefined;
  /** Which checks passed: `size`, `md5`, `etag`, `crc64`, `if-match`. */
  verified: string[];
}
