import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { ENV_NAME_RE } from '../../addresses/index.js';
import { isLoopback, parseListen } from '../../api/index.js';
import { flagOfPath, usageError, validate } from '../../core/index.js';
import { mirrorIdentity, startMirror } from '../../mirror/index.js';
import type { StoreSpec } from '../../stores/index.js';
import { parseSize } from '../../util/index.js';
import type { CliContext } from '../cli-context.js';
import { resolvePair } from '../resolve-pair.js';

export const DEFAULT_MIRROR_LISTEN = '127.0.0.1:9080';

const flagsSchema = z
  .object({
    src: z.string().min(1, 'is required'),
    dst: z.string().min(1, 'is required'),
    listen: z.string().default(DEFAULT_MIRROR_LISTEN),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lower-case letters, digits, . and -)')
      .optional(),
    accessKeyId: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable characters without spaces').optional(),
    secretEnv: z.string().regex(ENV_NAME_RE, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)').optional(),
    anonymousRead: z.boolean().optional(),
    state: z.string().min(1).optional(),
    multipartThreshold: z.string().optional(),
    partSize: z.string().optional(),
    quiet: z.boolean().optional(),
  })
  .strict();

/** `ferry mirror`: the back-to-origin S3 endpoint for step 2 of a switchover (docs/mirror.md). */
export function registerMirrorCommand(program: Command, ctx: CliContext): void {
  program
    .command('mirror')
    .description('Serve the destination bucket over S3, fetching objects not migrated yet from the source (back-to-origin) and filling the destination. See docs/mirror.md.')
    .requiredOption('--src <location>', 'source: address NAME, NAME:sub/prefix, or a local path')
    .requiredOption('--dst <location>', 'destination (written to), same forms')
    .option('--listen <host:port>', `address to serve on (default ${DEFAULT_MIRROR_LISTEN})`)
    .option('--bucket <name>', 'bucket name clients use (default: the destination\'s bucket)')
    .option('--access-key-id <id>', 'access key clients sign with (with --secret-env)')
    .option('--secret-env <VAR>', 'environment variable holding the matching secret key')
    .option('--anonymous-read', 'serve unsigned GET, HEAD and listings (writes still need a signature)')
    .option('--state <file>', 'file remembering keys deleted through the mirror (default: in the Ferry home)')
    .option('--multipart-threshold <size>', 'fills of objects this large or larger go multipart (default 64MiB)')
    .option('--part-size <size>', 'multipart part size of fills (default 16MiB)')
    .option('--quiet', 'no line per request (fills and failures are still logged)')
    .action(async (raw: Record<string, unknown>) => {
      const flags = validate(flagsSchema, raw, flagOfPath);
      const listen = parseListen(flags.listen);
      if ((flags.accessKeyId === undefined) !== (flags.secretEnv === undefined)) {
        throw usageError(flags.accessKeyId === undefined ? '--access-key-id' : '--secret-env', 'give --access-key-id and --secret-env together');
      }
      const credentials = [];
      if (flags.accessKeyId !== undefined && flags.secretEnv !== undefined) {
        const secret = ctx.env[flags.secretEnv];
        if (!secret) throw usageError('--secret-env', `environment variable ${flags.secretEnv} is not set`);
        credentials.push({ accessKeyId: flags.accessKeyId, secretAccessKey: secret });
      }
      if (credentials.length === 0 && !flags.anonymousRead) throw usageError('--access-key-id', 'give the mirror credentials (--access-key-id with --secret-env), or --anonymous-read');
      const copy = {
        ...(flags.multipartThreshold === undefined ? {} : { multipartThreshold: parseSize(flags.multipartThreshold, '--multipart-threshold') }),
        ...(flags.partSize === undefined ? {} : { partSize: parseSize(flags.partSize, '--part-size') }),
      };
      if (copy.partSize !== undefined && copy.partSize < 5 * 1024 * 1024) throw usageError('--part-size', 'must be at least 5MiB');
      // Above S3's largest single PUT, an object can only be filled in parts.
      if (copy.multipartThreshold !== undefined && copy.multipartThreshold > 5 * 1024 ** 3) throw usageError('--multipart-threshold', 'must be at most 5GiB');
      const { src, dst } = resolvePair(ctx, flags.src, flags.dst, ['--src', '--dst']);
      if (flags.bucket === undefined && dst.type !== 's3') throw usageError('--bucket', 'is required when the destination is not an S3 bucket');
      if (sameLocation(src, dst)) throw usageError('--dst', 'is the same location as --src');
      const bucket = flags.bucket ?? (dst.type === 's3' ? dst.bucket : '');
      const statePath = flags.state ?? join(ctx.home, 'mirror', `${bucket}-${mirrorIdentity(src, dst)}.db`);

      const stamp = (line: string): void => void ctx.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const requestLog = flags.quiet ? (line: string): void => {
        if (line.startsWith('fill ')) stamp(line);
      } : stamp;
      const mirror = await startMirror({ src, dst, bucket, listen, credentials, anonymousRead: flags.anonymousRead === true, statePath, log: requestLog, copy });
      const port = new URL(mirror.url).port;
      const vhost = isLoopback(listen.host) || listen.host === '0.0.0.0' ? `http://${mirror.bucket}.localhost:${port}/KEY` : `http://${mirror.bucket}.${listen.host}:${port}/KEY (with DNS for it)`;
      ctx.stdout.write(
        `ferry mirror: serving bucket "${mirror.bucket}" on ${mirror.url}\n` +
          `  path-style     ${mirror.url}/${mirror.bucket}/KEY\n` +
          `  virtual-host   ${vhost}\n` +
          `  reads          ${dst.name ?? 'destination'} first, else ${src.name ?? 'source'} (filling the destination)\n` +
          `  writes         ${dst.name ?? 'destination'} only\n` +
          `  access         ${credentials.length ? `SigV4 with access key ${flags.accessKeyId}` : 'no signed access'}${flags.anonymousRead ? ', anonymous reads' : ''}\n` +
          `  deletes kept   ${statePath}\n` +
          'Ctrl-C stops (fills in flight finish first).\n',
      );
      if (!isLoopback(listen.host) && flags.anonymousRead) stamp(`warning: anyone who can reach ${mirror.url} can read the whole bucket (--anonymous-read)`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (sig: NodeJS.Signals): void => {
          if (stopping) process.exit(sig === 'SIGINT' ? 130 : 143);
          stopping = true;
          stamp(`${sig}: stopping; ${mirror.fillsInFlight()} fill(s) in flight finish first (again to quit at once)`);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await mirror.close();
      stamp('ferry mirror: stopped');
    });
}


function sameLocation(a: StoreSpec, b: StoreSpec): boolean {
  if (a.type === 's3' && b.type === 's3') return a.endpoint.replace(/\/+$/, '') === b.endpoint.replace(/\/+$/, '') && a.bucket === b.bucket && a.prefix === b.prefix;
  if (a.type === 'local' && b.type === 'local') return a.path.replace(/\/+$/, '') === b.path.replace(/\/+$/, '') && a.prefix === b.prefix;
  return false;
}
