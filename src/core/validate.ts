import type { z } from 'zod';
import { usageError, type FerryError } from './errors.js';

/**
 * Parses input with a schema at an entry point (CLI, API body, config file)
 * and turns the first problem into one `usageError` naming the field as the
 * user knows it (`fieldName` maps a schema path to a flag or body property).
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, fieldName: (path: readonly PropertyKey[]) => string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw firstIssue(result.error, fieldName);
}

export function firstIssue(error: z.ZodError, fieldName: (path: readonly PropertyKey[]) => string): FerryError {
  const issue = error.issues[0];
  if (!issue) return usageError('input', 'is invalid');
  return usageError(fieldName(issue.path), issue.message);
}

/** `copy.partSize` → `--part-size`: the default mapping from a schema path to a CLI flag. */
export function flagOfPath(path: readonly PropertyKey[]): string {
  const last = path.at(-1);
  if (last === undefined) return 'input';
  if (last === 'name' && path.length === 1) return 'NAME';
  return `--${String(last).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
