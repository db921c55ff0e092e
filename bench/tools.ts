// The two contenders, as command lines: Ferry (this repo's bin/ferry.js, with a
// throw-away FERRY_HOME holding one address per benchmark bucket) and rclone
// (configured entirely through RCLONE_CONFIG_* environment variables).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userKeys, type BenchConfig, type S3Server } from './config.js';
import type { Measurement } from './measure.js';
import type { User } from './s3.js';

export type ToolName = 'ferry' | 'rclone';

export interface CopyCounts {
  copied: number;
  skipped: number;
  failed: number;
}

/** Options of one copy that differ by scenario. */
export interface CopyKind {
  /** Scenario c: one big multipart object. */
  big?: boolean;
  /** rclone only: compare by size + MD5 (--checksum) instead of its default size + modtime. */
  checksum?: boolean;
}

const SECRET_ENV = ['BENCH_FERRY_SECRET_1', 'BENCH_FERRY_SECRET_2'] as const;

export class Ferry {
  readonly home = mkdtempSync(join(tmpdir(), 'ferry-bench-home-'));
  readonly env: NodeJS.ProcessEnv;
  private readonly addresses = new Map<string, string>();

  constructor(
    private readonly repoRoot: string,
    private readonly server: S3Server,
    private readonly cfg: BenchConfig,
  ) {
    this.env = {
      ...process.env,
      FERRY_HOME: this.home,
      [SECRET_ENV[0]]: server.users[0].secretAccessKey,
      [SECRET_ENV[1]]: server.users[1].secretAccessKey,
    };
  }

  private cli(args: readonly string[]): string {
    return execFileSync(process.execPath, [join(this.repoRoot, 'bin', 'ferry.js'), ...args], {
      env: this.env,
      cwd: this.repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** The address for `bucket` (owned by `user`), saved on first use; named like the bucket. */
  address(bucket: string, user: User): string {
    let name = this.addresses.get(bucket);
    if (name === undefined) {
      name = bucket;
      const u = userKeys(this.server, user);
      this.cli([
        'address', 'add', name,
        '--type', 's3', '--provider', 'ceph',
        '--endpoint', this.server.endpoint, '--region', this.server.region,
        '--bucket', bucket,
        '--access-key-id', u.accessKeyId, '--secret-env', user === 1 ? SECRET_ENV[0] : SECRET_ENV[1],
      ]);
      this.addresses.set(bucket, name);
    }
    return name;
  }

  /** How the addresses are saved, for the report (placeholders instead of keys). */
  static addressExample(): string {
    return (
      'node bin/ferry.js address add <bucket> --type s3 --provider ceph --endpoint <S3_ENDPOINT> --region <S3_REGION> ' +
      `--bucket <bucket> --access-key-id <owner's key> --secret-env ${SECRET_ENV[0]}   # ${SECRET_ENV[1]} for user 2's buckets`
    );
  }

  /** The command line shown in the report (address names instead of buckets). */
  flags(kind: CopyKind): string[] {
    const f = ['--json', '--no-progress', '--concurrency', String(this.cfg.concurrency)];
    if (kind.big) f.push('--part-size', `${this.cfg.partSize / (1024 * 1024)}MiB`, '--part-concurrency', String(this.cfg.partConcurrency));
    return f;
  }

  copyCommand(src: { bucket: string; user: User }, dst: { bucket: string; user: User }, kind: CopyKind): string[] {
    return [
      process.execPath, join(this.repoRoot, 'bin', 'ferry.js'), 'copy',
      this.address(src.bucket, src.user), this.address(dst.bucket, dst.user),
      ...this.flags(kind),
    ];
  }

  /** The JSON summary Ferry printed (last non-empty stdout line). */
  counts(m: Measurement): CopyCounts {
    const line = m.stdout.trim().split('\n').pop() ?? '';
    let s: { copied?: unknown; skipped?: unknown; failed?: unknown };
    try {
      s = JSON.parse(line) as typeof s;
    } catch {
      throw new Error(`ferry printed no JSON summary (exit ${m.exitCode})\nstdout: ${m.stdout.slice(-2000)}\nstderr: ${m.stderr.slice(-4000)}`);
    }
    return { copied: Number(s.copied), skipped: Number(s.skipped), failed: Number(s.failed) };
  }

  version(): string {
    return this.cli(['--version']).trim();
  }

  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

export class Rclone {
  readonly env: NodeJS.ProcessEnv;

  constructor(
    server: S3Server,
    private readonly cfg: BenchConfig,
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // rclone refuses to start while AWS_CA_BUNDLE is set (and the endpoint is plain http).
    delete env.AWS_CA_BUNDLE;
    for (const u of [1, 2] as const) {
      const p = `RCLONE_CONFIG_BU${u}_`;
      const user = userKeys(server, u);
      Object.assign(env, {
        [`${p}TYPE`]: 's3',
        [`${p}PROVIDER`]: 'Ceph',
        [`${p}ENDPOINT`]: server.endpoint,
        [`${p}REGION`]: server.region,
        [`${p}FORCE_PATH_STYLE`]: 'true',
        [`${p}ACCESS_KEY_ID`]: user.accessKeyId,
        [`${p}SECRET_ACCESS_KEY`]: user.secretAccessKey,
      });
    }
    this.env = env;
  }

  /** Remote `bu1:` uses user 1's keys, `bu2:` user 2's. */
  static remote(bucket: string, user: User): string {
    return `bu${user}:${bucket}`;
  }

  flags(kind: CopyKind): string[] {
    const c = String(this.cfg.concurrency);
    const f = ['-M', '--transfers', c, '--checkers', c];
    if (kind.checksum) f.push('--checksum');
    if (kind.big) f.push('--s3-chunk-size', `${this.cfg.partSize / (1024 * 1024)}M`, '--s3-upload-concurrency', String(this.cfg.partConcurrency));
    // Only the final stats line, as JSON, so the run can be checked without per-file logging.
    f.push('--stats', '1h', '--stats-log-level', 'NOTICE', '--use-json-log');
    return f;
  }

  copyCommand(src: { bucket: string; user: User }, dst: { bucket: string; user: User }, kind: CopyKind): string[] {
    return ['rclone', '--config', '', 'copy', Rclone.remote(src.bucket, src.user), Rclone.remote(dst.bucket, dst.user), ...this.flags(kind)];
  }

  /** transfers / checks / errors from rclone's final JSON stats line. */
  counts(m: Measurement): CopyCounts {
    let stats: { transfers?: number; checks?: number; errors?: number } | undefined;
    for (const line of m.stderr.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const rec = JSON.parse(line) as { stats?: typeof stats };
        if (rec.stats) stats = rec.stats;
      } catch {
        // not a JSON log line
      }
    }
    if (!stats) throw new Error(`rclone printed no stats (exit ${m.exitCode})\nstderr: ${m.stderr.slice(-4000)}`);
    return { copied: stats.transfers ?? 0, skipped: stats.checks ?? 0, failed: stats.errors ?? 0 };
  }

  version(): string {
    const env = this.env;
    return execFileSync('rclone', ['--config', '', 'version'], { env, encoding: 'utf8' }).split('\n')[0]?.trim() ?? 'unknown';
  }
}
