import { FerryError, usageError } from '../core/index.js';
import type { SecretBox } from '../home/index.js';
import type { StoreSpec } from '../stores/store-spec.js';
import type { AddressRepository } from './address-repository.js';
import { ADDRESS_NAME_RE } from './address-schema.js';
import { absolutePath } from './expand-home.js';
import { resolveSpec } from './resolve-address.js';

export interface ResolveLocationOptions {
  /** Names the argument in errors (`SRC`, `DST`). */
  field?: string;
  /** Base for relative local paths. */
  cwd?: string;
}

/**
 * Resolves a `ferry copy` argument. The rule, unambiguous because address
 * names cannot start with `/`, `.` or `~` and cannot contain `:`:
 *
 * 1. starts with `/`, `.` or `~` (or `C:\` on Windows): a local directory;
 * 2. `NAME` or `NAME:sub/prefix` where NAME is a stored address: that
 *    address, with the sub-prefix joined to its prefix;
 * 3. anything else is refused, so a typo in a name never silently becomes a
 *    new local folder.
 */
export function resolveLocation(
  arg: string,
  repo: AddressRepository,
  env: NodeJS.ProcessEnv,
  secretBox: SecretBox,
  options: ResolveLocationOptions = {},
): StoreSpec {
  const field = options.field ?? 'LOCATION';
  if (arg === '') throw usageError(field, 'must not be empty');
  if (isLocalPathArg(arg)) {
    return { type: 'local', path: absolutePath(arg, field, options.cwd), prefix: '' };
  }
  const colon = arg.indexOf(':');
  const name = colon < 0 ? arg : arg.slice(0, colon);
  const sub = colon < 0 ? '' : arg.slice(colon + 1);
  const address = ADDRESS_NAME_RE.test(name) ? repo.find(name) : undefined;
  if (!address) {
    throw new FerryError('USAGE', `${field}: "${arg}" is neither a known address nor a local path (local paths start with / . or ~)`, {
      field,
      fatal: true,
    });
  }
  const spec = resolveSpec(address, env, secretBox);
  const prefix = joinPrefix(spec.prefix, sub);
  if (spec.type === 'local' && prefix.split('/').some((part) => part === '..')) {
    throw usageError(field, `"${arg}": a local sub-path must not contain ..`);
  }
  return { ...spec, prefix };
}

export function isLocalPathArg(arg: string): boolean {
  return /^[/.~]/.test(arg) || (process.platform === 'win32' && /^[A-Za-z]:[\\/]/.test(arg));
}

/**
 * `base` + `sub` with exactly the `/` needed between them; both otherwise
 * byte-exact (keys may legitimately hold `//`).
 */
export function joinPrefix(base: string, sub: string): string {
  if (sub === '') return base;
  if (base === '' || base.endsWith('/')) return base + sub;
  return `${base}/${sub}`;
}
