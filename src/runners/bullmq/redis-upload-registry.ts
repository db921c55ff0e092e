import type { RecordedUpload, UploadRegistry } from '../../engine/transfer/upload-registry.js';
import { keys } from './redis-keys.js';
import { hashOf, type RedisLink } from './redis-link.js';

/**
 * A job's multipart uploads in progress, in Redis, so a task another worker
 * takes over (its first worker killed) continues an upload from the parts
 * the server holds instead of starting it again.
 *
 * The engine asks synchronously, so a task's entries are read once before
 * it starts (`preload`) and writes go out in the background, in order on
 * one connection. A write lost with a killed worker costs a restarted
 * upload, never a wrong object: a recorded upload is only reused for the
 * same source version and size, and its parts are listed from the server.
 */
export class RedisUploadRegistry implements UploadRegistry {
  private readonly known = new Map<string, RecordedUpload>();
  private readonly key: string;

  constructor(
    private readonly link: RedisLink,
    job: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.key = keys.uploads(job);
  }

  /** Reads what earlier attempts recorded for these object keys. */
  async preload(objectKeys: readonly string[]): Promise<void> {
    if (objectKeys.length === 0) return;
    const values = await this.link.send<(string | null)[]>('HMGET', [this.key, ...objectKeys]);
    objectKeys.forEach((k, i) => {
      const v = values[i];
      if (v) this.known.set(k, JSON.parse(v) as RecordedUpload);
    });
  }

  find(key: string): RecordedUpload | undefined {
    return this.known.get(key);
  }

  save(key: string, upload: RecordedUpload): void {
    this.known.set(key, upload);
    this.link.send('HSET', [this.key, key, JSON.stringify(upload)]).catch(this.onError);
  }

  remove(key: string): void {
    this.known.delete(key);
    this.link.send('HDEL', [this.key, key]).catch(this.onError);
  }

  /** Every upload still recorded for the job (the coordinator aborts them when the run ends). */
  static async all(link: RedisLink, job: string): Promise<{ key: string; upload: RecordedUpload }[]> {
    const all = hashOf(await link.send('HGETALL', [keys.uploads(job)]));
    return Object.entries(all).map(([key, v]) => ({ key, upload: JSON.parse(v) as RecordedUpload }));
  }

  static async forget(link: RedisLink, job: string, key: string): Promise<void> {
    await link.send('HDEL', [keys.uploads(job), key]);
  }
}
