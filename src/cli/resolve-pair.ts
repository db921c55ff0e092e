import { AddressRepository, resolveLocation } from '../addresses/index.js';
import { openHome } from '../home/index.js';
import type { StoreSpec } from '../stores/index.js';
import type { CliContext } from './cli-context.js';

/**
 * A source and a destination location (NAME, NAME:sub/prefix or a local
 * path) resolved against the home's addresses; `fields` name the two
 * arguments in errors, as the command calls them.
 */
export function resolvePair(ctx: CliContext, srcArg: string, dstArg: string, fields: readonly [string, string]): { src: StoreSpec; dst: StoreSpec } {
  const home = openHome(ctx.home, ctx.env);
  try {
    const repo = new AddressRepository(home.db, home.secretBox);
    return {
      src: resolveLocation(srcArg, repo, ctx.env, home.secretBox, { field: fields[0] }),
      dst: resolveLocation(dstArg, repo, ctx.env, home.secretBox, { field: fields[1] }),
    };
  } finally {
    home.close();
  }
}
