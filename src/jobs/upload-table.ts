import type Database from 'better-sqlite3';
import type { RecordedUpload, UploadRegistry } from '../engine/transfer/upload-registry.js';

/** Multipart uploads a job has under way, in the job database (survives kill -9). */
export class UploadTable implements UploadRegistry {
  constructor(
    private readonly db: Database.Database,
    private readonly job: string,
  ) {}

  find(key: string): RecordedUpload | undefined {
    const r = this.db.prepare(`SELECT upload_id, src_etag, size, part_size FROM uploads WHERE job = ? AND key = ?`).get(this.job, key) as
      | { upload_id: string; src_etag: string | null; size: number; part_size: number }
      | undefined;
    return r ? { uploadId: r.upload_id, srcEtag: r.src_etag ?? undefined, size: r.size, partSize: r.part_size } : undefined;
  }

  save(key: string, u: RecordedUpload): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO uploads (job, key, upload_id, src_etag, size, part_size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(this.job, key, u.uploadId, u.srcEtag ?? null, u.size, u.partSize, Date.now());
  }

  remove(key: string): void {
    this.db.prepare(`DELETE FROM uploads WHERE job = ? AND key = ?`).run(this.job, key);
  }

  all(): { key: string; uploadId: string }[] {
    return (this.db.prepare(`SELECT key, upload_id FROM uploads WHERE job = ?`).all(this.job) as { key: string; upload_id: string }[]).map((r) => ({
      key: r.key,
      uploadId: r.upload_id,
    }));
  }
}
