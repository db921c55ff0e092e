// The Redis server of distributed-mode tests: REDIS_URL if set, else the
// one scripts/redis-up.sh runs (started here if it is not running: the
// script is idempotent and prints REDIS_URL). Without one, tests skip,
// unless FERRY_REQUIRE_S3=1 (CI), where hasRedis() throws instead.
//
// Tests use their own database number (FERRY_TEST_REDIS_DB, default 9) so
// that workers started by hand or by the benchmark on the usual /0 never
// take a test's tasks, and a test never touches their keys.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './ferry-child.js';
import { s3Required } from './s3-env.js';

let cached: string | null | undefined;

function baseUrl(): string | undefined {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const file = join(process.env.REDIS_BASE || '/tmp/ferry-redis', 'redis.env');
  try {
    // Starts the server when it is down; prints REDIS_URL=... when it answers.
    const out = execFileSync(join(REPO_ROOT, 'scripts', 'redis-up.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    const m = /REDIS_URL=(\S+)/.exec(out);
    if (m) return m[1];
  } catch {
    // no redis-server and no root to install it
  }
  if (existsSync(file)) return /REDIS_URL=(\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
  return undefined;
}

/** The test database's URL, or undefined when there is no Redis. */
export function redisUrl(): string | undefined {
  if (cached === undefined) {
    const base = baseUrl();
    if (base) {
      const u = new URL(base);
      u.pathname = `/${process.env.FERRY_TEST_REDIS_DB ?? '9'}`;
      cached = u.toString();
    } else cached = null;
  }
  return cached ?? undefined;
}

/** Whether Redis is there. Use as `describe.skipIf(!hasRedis())`; throws when CI demands servers. */
export function hasRedis(): boolean {
  if (redisUrl()) return true;
  if (s3Required()) throw new Error('FERRY_REQUIRE_S3=1 but no Redis: set REDIS_URL or make scripts/redis-up.sh work (Debian redis-server)');
  return false;
}
