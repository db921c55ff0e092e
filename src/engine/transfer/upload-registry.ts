/** A multipart upload in progress, remembered so a restarted run continues it. */
export interface RecordedUpload {
  uploadId: string;
  /** The source version the parts came from; another version cannot reuse them. */
  srcEtag?: string | undefined;
  size: number;
  partSize: number;
}

/**
 * Where multipart uploads are remembered across restarts (the job database).
 * Without one, an interrupted upload is aborted and starts over.
 */
export interface UploadRegistry {
  find(key: string): RecordedUpload | undefined;
  save(key: string, upload: RecordedUpload): void;
  remove(key: string): void;
}
