import { z } from 'zod';
import { OVERWRITE_POLICIES } from '../engine/copy-options.js';

const MiB = 1024 * 1024;
/** The largest part any S3 provider takes (AWS, OSS, COS, Kodo... all 5 GiB). */
export const MAX_PART_SIZE = 5 * 1024 * MiB;

/**
 * Everything a migration job is created with; stored as JSON in the job
 * table and validated with this one schema whether it comes from
 * `ferry job create`, `ferry job import job.cfg` or the REST API.
 * Sizes are bytes, times ms since the epoch, durations ms.
 */
export const jobSpecSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64, starting with a letter or digit)'),
  /** `NAME`, `NAME:sub/prefix` or a local path, as for `ferry copy`. */
  src: z.string().min(1),
  dst: z.string().min(1),
  copy: z.object({
    overwrite: z.enum(OVERWRITE_POLICIES).default('different'),
    sinceMs: z.number().int().nonnegative().optional(),
    include: z.array(z.string()).default([]),
    exclude: z.array(z.string()).default([]),
    concurrency: z.number().int().min(1).max(4096).default(32),
    multipartThreshold: z.number().int().min(1).default(64 * MiB),
    partSize: z.number().int().min(MiB).max(MAX_PART_SIZE, 'must be at most 5GiB, the largest part S3 providers take').default(16 * MiB),
    partConcurrency: z.number().int().min(1).max(256).default(4),
    serverSideCopy: z.boolean().default(true),
    attempts: z.number().int().min(1).max(101).default(11),
    storageClass: z.string().optional(),
  }).prefault({}),
  /** ossimport's taskObjectCountLimit / taskObjectSizeLimit, and scanThreadCount. */
  tasks: z.object({
    maxObjects: z.number().int().min(1).default(10_000),
    maxBytes: z.number().int().min(1).default(1024 * MiB),
    listConcurrency: z.number().int().min(1).max(64).default(4),
    /** Levels of the key tree listed one level at a time to find prefixes to list in parallel (ossimport's maxMultiThreadScanDepth). */
    listDepth: z.number().int().min(0).max(8).default(1),
  }).prefault({}),
  /** Bandwidth (bytes/s) and objects/s, flat (`"10M"`) or by time of day (`"00:00,100M 08:00,10M"`). */
  throttle: z.object({
    bwlimit: z.string().optional(),
    maxQps: z.string().optional(),
  }).prefault({}),
  /** Repeat runs: the first full, each later one only objects modified since the previous run started. */
  schedule: z
    .union([
      z.object({ every: z.number().int().min(1000), times: z.number().int().min(1) }),
      z.object({ cron: z.string().min(1) }),
    ])
    .optional(),
  /** Also upload the run's report files to the destination under this prefix. */
  reportPrefix: z.string().optional(),
});

export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobSpecInput = z.input<typeof jobSpecSchema>;
