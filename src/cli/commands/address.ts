import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { describeError, FerryError, isFerryError } from '../../core/index.js';
import {
  ADDRESS_TYPES,
  AddressRepository,
  describeAddress,
  redactAddress,
  resolveSpec,
  type Address,
} from '../../addresses/index.js';
import { openHome, type FerryHome } from '../../home/index.js';
import type { CliContext } from '../cli-context.js';

interface AddOptions {
  type?: string;
  provider?: string;
  endpoint?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  secretEnv?: string;
  profile?: string;
  pathStyle?: boolean;
  path?: string;
  list?: string;
}

interface JsonOption {
  json?: boolean;
}

/** `ferry address add|list|show|remove|test`. */
export function registerAddressCommands(program: Command, ctx: CliContext): void {
  const address = program.command('address').description('Manage named data addresses (buckets, folders, URL lists).');

  address
    .command('add')
    .description('Save an address under NAME.')
    .argument('<name>', 'address name: letters, digits, . _ - (starts with a letter or digit)')
    .option('--type <type>', `${ADDRESS_TYPES.join(' | ')}`)
    .option('--provider <provider>', 's3: aws, oss, cos, kodo, obs, bos, ks3, minio, ceph, other (guessed from the endpoint)')
    .option('--endpoint <url>', 's3: service URL, http(s)://...')
    .option('--bucket <bucket>', 's3: bucket name')
    .option('--prefix <prefix>', 'key prefix (sub-path) inside the bucket, folder or list')
    .option('--region <region>', 's3: signing region')
    .option('--access-key-id <id>', 's3: access key id')
    .option('--secret-env <var>', 's3: read the secret access key from this environment variable at run time')
    .option('--secret-access-key <secret>', 's3: secret access key, stored encrypted (stays in shell history: prefer --secret-env)')
    .option('--profile <name>', 's3: read keys from this profile of ~/.aws/credentials at run time')
    .option('--path-style', 's3: address buckets as endpoint/bucket')
    .option('--no-path-style', 's3: address buckets as bucket.endpoint')
    .option('--path <dir>', 'local: directory')
    .option('--list <file>', 'http-list: list file')
    .action((name: string, opts: AddOptions) => {
      // Only flags actually given, so the schema can refuse the ones that do not fit the type.
      const raw = Object.fromEntries(Object.entries({ name, ...opts }).filter(([, v]) => v !== undefined));
      const added = withRepository(ctx, (repo) => repo.add(raw));
      ctx.stdout.write(`added address "${added.name}": ${describeAddress(added)}\n`);
      if (opts.secretAccessKey !== undefined) {
        ctx.stderr.write('hint: a secret on the command line stays in shell history; prefer --secret-env VAR\n');
      }
    });

  address
    .command('list')
    .description('List saved addresses.')
    .option('--json', 'machine-readable output')
    .action((opts: JsonOption) => {
      const all = withRepository(ctx, (repo) => repo.list());
      if (opts.json) {
        ctx.stdout.write(`${JSON.stringify(all.map(redactAddress), null, 2)}\n`);
        return;
      }
      if (all.length === 0) {
        ctx.stdout.write('no addresses yet (see ferry address add --help)\n');
        return;
      }
      const rows = all.map((a) => [a.name, a.type, locationOf(a), secretOf(a)]);
      ctx.stdout.write(table([['NAME', 'TYPE', 'LOCATION', 'SECRET'], ...rows]));
    });

  address
    .command('show')
    .description('Show one address (secrets hidden).')
    .argument('<name>')
    .option('--json', 'machine-readable output')
    .action((name: string, opts: JsonOption) => {
      const shown = redactAddress(withRepository(ctx, (repo) => repo.get(name)));
      if (opts.json) {
        ctx.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      ctx.stdout.write(table(Object.entries(shown).map(([k, v]) => [`${k}:`, v === '' ? "''" : String(v)])));
    });

  address
    .command('remove')
    .description('Forget an address (the data it points to is not touched).')
    .argument('<name>')
    .action((name: string) => {
      withRepository(ctx, (repo) => repo.remove(name));
      ctx.stdout.write(`removed address "${name}"\n`);
    });

  address
    .command('test')
    .description('Check that an address can be reached by listing one object.')
    .argument('<name>')
    .action(async (name: string) => {
      // Resolve, then close the database before any network wait.
      const spec = withRepository(ctx, (repo, home) => resolveSpec(repo.get(name), ctx.env, home.secretBox));
      const started = performance.now();
      let count = 0;
      try {
        // Loaded on demand: only `test` needs the store backends. Opened as a destination: an
        // address to a folder not made yet is fine (the first copy into it makes it).
        const { openStore } = await import('../../stores/open-store.js');
        const store = await openStore(spec, 'destination');
        try {
          for await (const _ of store.list()) {
            count++;
            break;
          }
        } finally {
          await store.close();
        }
      } catch (err) {
        // Any failure here means the address does not work: exit 2, one line.
        throw new FerryError(isFerryError(err) ? err.code : 'INTERNAL', `address "${name}": ${describeError(err)}`, {
          fatal: true,
          cause: err,
        });
      }
      const ms = Math.round(performance.now() - started);
      ctx.stdout.write(`ok: listed ${count} object(s) in ${ms}ms\n`);
    });
}

function withRepository<T>(ctx: CliContext, fn: (repo: AddressRepository, home: FerryHome) => T): T {
  const home = openHome(ctx.home, ctx.env);
  try {
    return fn(new AddressRepository(home.db, home.secretBox), home);
  } finally {
    home.close();
  }
}

function locationOf(a: Address): string {
  switch (a.type) {
    case 's3':
      return `${a.provider} ${a.endpoint}/${a.bucket}/${a.prefix}`;
    case 'local':
      return a.prefix ? `${a.path}/${a.prefix}` : a.path;
    case 'http-list':
      return a.prefix ? `${a.list} (${a.prefix})` : a.list;
  }
}

function secretOf(a: Address): string {
  return String(redactAddress(a).secret ?? '-');
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ') + '\n')
    .join('');
}
