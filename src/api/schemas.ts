import { z } from 'zod';
import { httpListAddressSchema, localAddressSchema, s3AddressSchema } from '../addresses/address-schema.js';
import { jobSpecSchema } from '../jobs/job-spec.js';
import { REPORT_FORMATS, REPORT_KINDS } from '../jobs/reports/index.js';

/**
 * One schema per request body (and query). The job body is the job's one
 * schema (`jobSpecSchema`), its parts made strict (a misspelt option is an
 * error, not silently dropped) plus the friendly forms the CLI also takes:
 * `copy.since` as a time, `schedule.every` as a duration.
 */

export const loginBodySchema = z.strictObject({
  token: z.string().min(1, 'is required'),
});

const spec = jobSpecSchema.shape;
const copyShape = spec.copy.unwrap().shape;
const tasksShape = spec.tasks.unwrap().shape;
const throttleShape = spec.throttle.unwrap().shape;

export const scheduleBodySchema = z.strictObject({
  /** ms, or a duration such as `1h`, `30m`, `1d12h`; at least a minute. */
  every: z.union([z.number().int().min(60_000, 'must be at least 60000 ms (1m)'), z.string().min(1)]).optional(),
  /** With `every`: runs in all. */
  times: z.number().int().min(1).max(1_000_000).optional(),
  /** 5-field cron expression, local time. */
  cron: z.string().min(1).optional(),
});

export const jobCreateBodySchema = z.strictObject({
  name: spec.name,
  src: spec.src,
  dst: spec.dst,
  copy: z
    .strictObject({
      ...copyShape,
      /** Only objects modified at or after this time: ISO 8601 or unix seconds/ms (as `--since`). */
      since: z.string().min(1).optional(),
    })
    .prefault({}),
  tasks: z.strictObject(tasksShape).optional(),
  throttle: z.strictObject(throttleShape).optional(),
  schedule: scheduleBodySchema.optional(),
  reportPrefix: spec.reportPrefix,
  /** Queue the job for `ferry serve` at once. */
  start: z.boolean().optional(),
});
export type JobCreateBody = z.infer<typeof jobCreateBodySchema>;

/** `null`, `""` or `"off"` removes a limit; a missing property keeps it. */
export const throttleBodySchema = z.strictObject({
  bwlimit: z.string().nullable().optional(),
  maxQps: z.string().nullable().optional(),
});

/** What an address body may hold; the validation itself is the addresses' own (`parseAddressInput`). */
export const addressBodySchema = z.union([s3AddressSchema, localAddressSchema, httpListAddressSchema]);

/** A change of an address: the given properties replace the stored ones, `null` removes one. */
export const addressPatchSchema = z.record(z.string(), z.unknown());

export const reportQuerySchema = z.strictObject({
  kind: z.enum(REPORT_KINDS).default('total'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const reportDownloadQuerySchema = z.strictObject({
  kind: z.enum(REPORT_KINDS).default('total'),
  format: z.enum(REPORT_FORMATS).default('csv'),
});
