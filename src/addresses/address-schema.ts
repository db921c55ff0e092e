import { statSync } from 'node:fs';
import { z } from 'zod';
import { FerryError, usageError } from '../core/index.js';
import { PROVIDER_NAMES } from '../stores/s3/providers.js';
import { ADDRESS_TYPES } from './address.js';
import { flagFor } from './address-flags.js';
import { absolutePath } from './expand-home.js';
import { guessProvider } from './guess-provider.js';

/**
 * What a user may give to create an address, validated and normalised
 * (absolute paths, provider guessed from the endpoint, prefix defaulted).
 * Secrets are still in clear here; the repository seals them.
 */

export const ADDRESS_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `is required` when absent, `must be <what>` when of the wrong kind. */
function expect(what: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) };
}

export const addressNameSchema = z
  .string(expect('text'))
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(ADDRESS_NAME_RE, 'must start with a letter or digit and contain only letters, digits, . _ -');

const prefixSchema = z.string(expect('text')).default('');

const pathSchema = z
  .string(expect('a path'))
  .min(1, 'must not be empty')
  .refine((p) => !/^~[^/]/.test(p), 'only ~ and ~/ are expanded')
  .transform((p) => absolutePath(p, 'path'));

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && !url.search && !url.hash;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * False when the path exists but cannot be a folder (a file, or below one).
 * A missing path is fine: a destination folder is created by the first copy.
 */
function isDirectoryOrAbsent(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

export const s3AddressSchema = z
  .strictObject({
    name: addressNameSchema,
    type: z.literal('s3'),
    provider: z.enum(PROVIDER_NAMES, { error: `must be one of ${PROVIDER_NAMES.join(', ')}` }).optional(),
    endpoint: z
      .string(expect('an http(s) URL'))
      .refine(isHttpUrl, 'must be an http(s) URL')
      .transform((url) => url.replace(/\/+$/, '')),
    // Lenient on purpose: Kodo and COS accept names AWS would refuse.
    bucket: z
      .string(expect('text'))
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .refine((b) => !/[/\s\p{Cc}]/u.test(b), 'must not contain /, spaces or control characters'),
    prefix: prefixSchema,
    region: z
      .string(expect('text'))
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _')
      .optional(),
    accessKeyId: z
      .string(expect('text'))
      .regex(/^\S{1,256}$/, 'must be 1-256 characters without spaces')
      .optional(),
    secretAccessKey: z.string(expect('text')).min(1, 'must not be empty').optional(),
    secretEnv: z
      .string(expect('text'))
      .regex(ENV_NAME_RE, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)')
      .optional(),
    profile: z
      .string(expect('text'))
      .regex(/^[^[\]\s]{1,128}$/, 'must be a profile name without spaces or brackets')
      .optional(),
    pathStyle: z.boolean(expect('true or false')).optional(),
  })
  .superRefine((a, ctx) => {
    const given = (['secretAccessKey', 'secretEnv', 'profile'] as const).filter((k) => a[k] !== undefined);
    const [first, second] = given;
    if (first && second) {
      ctx.addIssue({ code: 'custom', path: [second], message: `cannot be used with ${flagFor(first)}` });
    } else if (a.profile !== undefined && a.accessKeyId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['accessKeyId'], message: 'cannot be used with --profile (the profile holds the key id)' });
    } else if (first && first !== 'profile' && a.accessKeyId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['accessKeyId'], message: `is required with ${flagFor(first)}` });
    } else if (!first && a.accessKeyId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['accessKeyId'],
        message: 'needs a secret: --secret-env VAR, --secret-access-key or --profile',
      });
    }
  })
  .transform((a) => ({ ...a, provider: a.provider ?? guessProvider(a.endpoint) }));

export const localAddressSchema = z.strictObject({
  name: addressNameSchema,
  type: z.literal('local'),
  path: pathSchema.refine(isDirectoryOrAbsent, 'must be a folder, not a file'),
  prefix: prefixSchema,
});

export const httpListAddressSchema = z.strictObject({
  name: addressNameSchema,
  type: z.literal('http-list'),
  list: pathSchema.refine(isFile, 'must be an existing file'),
  prefix: prefixSchema,
});

const SCHEMAS = {
  s3: s3AddressSchema,
  local: localAddressSchema,
  'http-list': httpListAddressSchema,
} as const;

export type S3AddressInput = z.output<typeof s3AddressSchema>;
export type LocalAddressInput = z.output<typeof localAddressSchema>;
export type HttpListAddressInput = z.output<typeof httpListAddressSchema>;
/** A validated address as given by a user, clear secret included. */
export type AddressInput = S3AddressInput | LocalAddressInput | HttpListAddressInput;

const typeSchema = z.enum(ADDRESS_TYPES, {
  error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${ADDRESS_TYPES.join(', ')}`),
});

/** Validates raw input (CLI options, a request body); throws a usage error naming the first bad field. */
export function parseAddressInput(raw: unknown): AddressInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw usageError('address', 'must be an object');
  const type = typeSchema.safeParse((raw as { type?: unknown }).type);
  if (!type.success) throw issuesToUsageError(type.error.issues.map((i) => ({ ...i, path: ['type'] })));
  const result = SCHEMAS[type.data].safeParse(raw);
  if (!result.success) throw issuesToUsageError(result.error.issues, type.data);
  return result.data;
}

/**
 * One usage error for the first issue, naming its CLI flag. A flag that does
 * not belong to the type wins over the rest: it shows the user's confusion
 * better than whatever else then looks missing.
 */
export function issuesToUsageError(issues: readonly z.core.$ZodIssue[], type?: string): FerryError {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys' && unknown.keys[0] !== undefined) {
    const flag = flagFor(unknown.keys[0]);
    const message = type ? `${flag} is not used with --type ${type}` : `${flag} is not a known field`;
    return new FerryError('USAGE', message, { field: flag, fatal: true });
  }
  const first = issues[0];
  if (!first) return usageError('address', 'is invalid');
  const field = first.path[0];
  return usageError(typeof field === 'string' ? flagFor(field) : 'address', first.message);
}
