import { z } from 'zod';
import { jobSpecSchema } from '../../jobs/job-spec.js';
import type { ResultRow, TaskItem } from '../../jobs/run-store.js';
import type { SealedSpec } from './spec-sealing.js';

const secretRef = z.union([z.object({ sealed: z.string().startsWith('v1:') }).strict(), z.object({ env: z.string().min(1) }).strict()]);

const sealedSpecSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('s3'),
    name: z.string().optional(),
    provider: z.string(),
    endpoint: z.string(),
    bucket: z.string(),
    prefix: z.string(),
    region: z.string().optional(),
    pathStyle: z.boolean().optional(),
    // strict: a clear `secretAccessKey` must never get through, even by mistake.
    credentials: z.object({ accessKeyId: z.string(), secret: secretRef, sessionToken: secretRef.optional() }).strict().optional(),
  }).strict(),
  z.object({ type: z.literal('local'), name: z.string().optional(), path: z.string(), prefix: z.string() }).strict(),
  z.object({ type: z.literal('http-list'), name: z.string().optional(), list: z.string(), prefix: z.string() }).strict(),
]) satisfies z.ZodType<SealedSpec>;

const taskItemSchema = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  etag: z.string().optional(),
  mtimeMs: z.number(),
  storedMs: z.number().optional(),
  storageClass: z.string().optional(),
  reason: z.string(),
}) satisfies z.ZodType<TaskItem>;

/** Bumped when the payload changes incompatibly, so an old worker refuses a new task instead of misreading it. */
export const PAYLOAD_VERSION = 1;

/**
 * One task as queued in Redis: where to copy from and to (secrets sealed or
 * named, see spec-sealing.ts), how, and which objects. The run token tells
 * this run's task from a leftover of a deleted job's run with the same number.
 */
export const taskPayloadSchema = z.object({
  v: z.literal(PAYLOAD_VERSION),
  job: z.string(),
  run: z.number().int().positive(),
  runToken: z.number().int(),
  seq: z.number().int().positive(),
  src: sealedSpecSchema,
  dst: sealedSpecSchema,
  copy: jobSpecSchema.shape.copy,
  items: z.array(taskItemSchema),
});

export type TaskPayload = z.infer<typeof taskPayloadSchema>;

/** What a worker returns for a task: every item's report row, and who did it. */
export interface TaskOutcome {
  results: ResultRow[];
  worker: string;
  bytes: number;
  ms: number;
}

/** Progress a worker reports while a task runs (cumulative for the attempt). */
export interface TaskProgress {
  worker: string;
  bytes: number;
  objects: number;
}
