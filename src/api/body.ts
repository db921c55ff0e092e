import type { Context } from 'hono';
import type { z } from 'zod';
import { badRequest, bodyError } from './errors.js';

/** The request's JSON body (an empty body is `{}`); anything else is a 400. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(undefined, 'the body must be JSON');
  }
}

/** The body, validated with its schema; the first problem is a 400 naming the field. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const result = schema.safeParse(await readJson(c));
  if (!result.success) throw bodyError(result.error);
  return result.data;
}

/** The query string, validated with its schema. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw bodyError(result.error);
  return result.data;
}
