// The source data, uploaded once per benchmark run with the AWS SDK into
// buckets of user 1 and shared by both tools.
import type { BenchConfig } from './config.js';
import type { BenchS3, User } from './s3.js';

export interface Dataset {
  name: string;
  bucket: string;
  user: User;
  count: number;
  /** Total bytes. */
  bytes: number;
  /** Human description, e.g. "5,000 × 4 KiB". */
  label: string;
}

export interface Datasets {
  /** One small object: what a run costs before any real work. */
  one: Dataset;
  small: Dataset;
  rerun: Dataset;
  big: Dataset;
}

/** `prefix/dNN/NNNNNN.bin`: spread over 10 "folders", as real trees are. */
function keys(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}/d${String(i % 10).padStart(2, '0')}/${String(i).padStart(6, '0')}.bin`);
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1 && Number.isInteger(v / 1024)) {
    v /= 1024;
    u++;
  }
  return `${v} ${units[u]}`;
}

const fmtCount = (n: number): string => n.toLocaleString('en-US');

export async function uploadDatasets(s3: BenchS3, cfg: BenchConfig, log: (msg: string) => void): Promise<Datasets> {
  const one = await s3.createBucket('src-one', 1);
  const small = await s3.createBucket('src-small', 1);
  const rerun = await s3.createBucket('src-rerun', 1);
  const big = await s3.createBucket('src-big', 1);

  const upload = async (bucket: string, prefix: string, n: number, size: number): Promise<void> => {
    const t0 = performance.now();
    await s3.putMany(bucket, keys(prefix, n), size, cfg.uploadConcurrency);
    const s = (performance.now() - t0) / 1000;
    log(`  ${fmtCount(n)} × ${formatSize(size)} -> ${bucket} in ${s.toFixed(1)} s (${(n / s).toFixed(0)} objects/s)`);
  };
  await s3.putMany(one, keys('one', 1), cfg.smallSize, 1);
  await upload(small, 'small', cfg.smallCount, cfg.smallSize);
  await upload(rerun, 'rerun', cfg.rerunCount, cfg.rerunSize);
  const t0 = performance.now();
  await s3.putBig(big, 'big/object.bin', cfg.bigBytes, cfg.partSize, 8);
  log(`  1 × ${formatSize(cfg.bigBytes)} -> ${big} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const ds = (name: string, bucket: string, count: number, size: number): Dataset => ({
    name,
    bucket,
    user: 1,
    count,
    bytes: count * size,
    label: `${fmtCount(count)} × ${formatSize(size)}`,
  });
  const sets = {
    one: ds('one', one, 1, cfg.smallSize),
    small: ds('small', small, cfg.smallCount, cfg.smallSize),
    rerun: ds('rerun', rerun, cfg.rerunCount, cfg.rerunSize),
    big: ds('big', big, 1, cfg.bigBytes),
  };
  // The listing must show exactly what was uploaded, or every later check is meaningless.
  for (const d of Object.values(sets)) {
    const st = await s3.stats(d.bucket);
    if (st.count !== d.count || st.bytes !== d.bytes) {
      throw new Error(`dataset ${d.name}: listed ${st.count} objects / ${st.bytes} bytes, uploaded ${d.count} / ${d.bytes}`);
    }
  }
  return sets;
}
