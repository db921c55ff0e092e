import { Hono } from 'hono';
import {
  describeAddress,
  FIELD_FLAGS,
  isLocalPathArg,
  parseAddressInput,
  redactAddress,
  resolveSpec,
  type Address,
  type RedactedAddress,
} from '../../addresses/index.js';
import { describeError, isFerryError, type FerryError } from '../../core/index.js';
import { openStore as realOpenStore, type ObjectStore } from '../../stores/index.js';
import { readBody, readJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { badRequest, conflict, notFound, type ApiError } from '../errors.js';
import { addressPatchSchema } from '../schemas.js';

/** An address as the API shows it: never a secret, the key id masked, which kind of secret it uses. */
export type AddressView = RedactedAddress & { description: string; secretKind: 'stored' | 'env' | 'profile' | 'none' };

export function addressView(a: Address): AddressView {
  const secretKind = a.type !== 's3' ? 'none' : a.profile !== undefined ? 'profile' : a.secretEnv !== undefined ? 'env' : a.secretEnc !== undefined ? 'stored' : 'none';
  return { ...redactAddress(a), description: describeAddress(a), secretKind };
}

// Validation errors of addresses name CLI flags (`--endpoint`); the API names body properties.
const FLAG_TO_PROP = new Map(Object.entries(FIELD_FLAGS).map(([prop, flag]) => [flag, prop]));
const FLAG_RE = new RegExp(
  [...FLAG_TO_PROP.keys()]
    .sort((a, b) => b.length - a.length)
    .map((f) => (f.startsWith('--') ? `${f}\\b` : `\\b${f}\\b`))
    .join('|'),
  'g',
);

function addressError(err: FerryError): ApiError {
  const field = err.field === undefined ? undefined : (FLAG_TO_PROP.get(err.field) ?? err.field);
  const message = err.message.replace(FLAG_RE, (flag) => FLAG_TO_PROP.get(flag) ?? flag);
  return /already exists/.test(message) ? conflict(message, field) : badRequest(field, message);
}

function withAddressErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isFerryError(err) && (err.code === 'USAGE' || err.code === 'CONFIG')) throw addressError(err);
    throw err;
  }
}

/** Jobs whose source or destination is this address. */
function jobsUsing(deps: AppDeps, name: string): string[] {
  const uses = (location: string): boolean => !isLocalPathArg(location) && location.split(':')[0] === name;
  return deps.jobs
    .list()
    .filter((j) => uses(j.spec.src) || uses(j.spec.dst))
    .map((j) => j.name);
}

/** The stored address as an input again, its sealed secret opened (it never leaves this process). */
function storedInput(deps: AppDeps, a: Address): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, ...rest } = a;
  if (rest.type !== 's3') return rest;
  const { secretEnc, ...s3 } = rest;
  return secretEnc === undefined ? s3 : { ...s3, secretAccessKey: deps.secretBox.decrypt(secretEnc, a.name) };
}

const SECRET_FIELDS = ['secretAccessKey', 'secretEnv', 'profile'] as const;

/** A patch applied to a stored address: given properties replace, `null` removes, a new secret kind drops the old one. */
export function mergeAddress(stored: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const base = patch.type !== undefined && patch.type !== stored.type ? { name: stored.name } : { ...stored };
  if (SECRET_FIELDS.some((k) => patch[k] !== undefined && patch[k] !== null)) {
    for (const k of SECRET_FIELDS) delete (base as Record<string, unknown>)[k];
    if (patch.profile !== undefined && patch.profile !== null) delete (base as Record<string, unknown>).accessKeyId;
  }
  const merged: Record<string, unknown> = { ...base, ...patch };
  for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
  return merged;
}

/** Lists one object (or finds none) to show the address can be reached with its credentials. */
async function testConnection(deps: AppDeps, a: Address): Promise<{ ok: boolean; message: string; elapsedMs: number }> {
  const started = Date.now();
  let store: ObjectStore | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const spec = resolveSpec(a, deps.env ?? process.env, deps.secretBox);
    // As a destination: an address to a folder not made yet is fine (the first copy into it makes it).
    store = await (deps.openStore ?? realOpenStore)(spec, 'destination');
    const opened = store;
    const first = (async () => {
      for await (const o of opened.list()) return o;
      return undefined;
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 15 s')), 15_000);
    });
    const found = await Promise.race([first, timeout]);
    const where = describeAddress(a);
    return { ok: true, message: found ? `connected: ${where} lists objects` : `connected: ${where} is empty (or does not exist yet)`, elapsedMs: Date.now() - started };
  } catch (err) {
    return { ok: false, message: describeError(err), elapsedMs: Date.now() - started };
  } finally {
    if (timer) clearTimeout(timer);
    await store?.close().catch(() => undefined);
  }
}

/** `/api/addresses`: list, create, show, update, delete, test connection. */
export function addressRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const get = (name: string): Address => {
    const a = deps.addresses.find(name);
    if (!a) throw notFound('address', name);
    return a;
  };

  app.get('/', (c) => c.json(deps.addresses.list().map(addressView)));

  app.post('/', async (c) => {
    const body = await readJson(c);
    const name = (body as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && deps.addresses.find(name)) throw conflict(`address "${name}" already exists`, 'name');
    const created = withAddressErrors(() => deps.addresses.add(body));
    return c.json(addressView(created), 201);
  });

  app.get('/:name', (c) => c.json(addressView(get(c.req.param('name')))));

  app.patch('/:name', async (c) => {
    const name = c.req.param('name');
    const stored = get(name);
    const patch = await readBody(c, addressPatchSchema);
    const merged = mergeAddress(storedInput(deps, stored), patch);
    withAddressErrors(() => parseAddressInput(merged));
    if (merged.name !== name) {
      if (typeof merged.name === 'string' && deps.addresses.find(merged.name)) throw conflict(`address "${merged.name}" already exists`, 'name');
      const users = jobsUsing(deps, name);
      if (users.length) throw conflict(`address "${name}" is used by job(s) ${users.join(', ')}: it cannot be renamed`, 'name');
    }
    return c.json(addressView(withAddressErrors(() => deps.addresses.update(name, merged))));
  });

  app.delete('/:name', (c) => {
    const name = c.req.param('name');
    get(name);
    const users = jobsUsing(deps, name);
    if (users.length) throw conflict(`address "${name}" is used by job(s) ${users.join(', ')}: delete those first`);
    deps.addresses.remove(name);
    return c.body(null, 204);
  });

  app.post('/:name/test', async (c) => c.json(await testConnection(deps, get(c.req.param('name')))));

  return app;
}
