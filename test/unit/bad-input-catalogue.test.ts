// The catalogue of bad input: one table, one row per input, through every
// entry point a user or a data set can reach (CLI flags and arguments,
// address definitions, job options, ossimport job.cfg / sys.properties,
// REST API bodies, and object keys a local store must refuse). Every row is
// held to the house rule for bad input, all of it at once:
//
// - exit code 2 (CLI) or HTTP 400 (API), or the row's stated exception;
// - stderr (API: the error message) is exactly one line, naming the field;
// - no stack trace and no error class dump;
// - nothing written: the Ferry home's database (every table, row by row)
//   and its other files are identical before and after, and the destination
//   folder the row names is still empty (or absent).
//
// Unsafe object keys are the one deliberate exception to "exit 2": a key
// comes from the data, not from the command line, and one bad key among
// millions must not stop a migration. `ferry copy` fails that object alone
// (exit 1, "failed: KEY: reason" on stderr, the rest of the run goes on; see
// the test after the table), while the one-line, no-stack and nothing-written
// checks hold just the same.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressRepository } from '../../src/addresses/index.js';
import { createApp } from '../../src/api/app.js';
import { hashToken } from '../../src/api/auth.js';
import { emptyMetadata, FerryError } from '../../src/core/index.js';
import { openHome } from '../../src/home/index.js';
import { JobRepository } from '../../src/jobs/job-repository.js';
import { LocalStore } from '../../src/stores/local/index.js';
import { TEST_TOKEN } from '../helpers/api-app.js';
import { recordResponses } from '../helpers/api-recorder.js';
import { newHomeDir } from '../helpers/artifacts.js';
import { FerryCli } from '../helpers/ferry-cli.js';
import { expectNoStack, snapshotHome } from '../helpers/home-snapshot.js';
import { OTHER_EXAMPLE_SECRET } from '../helpers/test-secrets.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/bad-input');
const cfg = (name: string): string => join(FIXTURES, 'job-cfg', name);
const sys = (name: string): string => join(FIXTURES, 'sys', name);
/** An environment variable no test sets: an address whose secret is in it cannot be used. */
const UNSET_VAR = 'FERRY_CATALOGUE_UNSET_SECRET';
const MiB = 1024 * 1024;

/** What every row can refer to: a source folder, a plain file, a seeded home, a URL server. */
interface World {
  root: string;
  /** A folder with a few files (address `disk`). */
  src: string;
  /** A plain file where a folder is expected. */
  file: string;
  /** A home with addresses and a job in it, copied for every row. */
  templateHome: string;
  /** `http://127.0.0.1:PORT`: answers every GET and HEAD with a 2-byte body. */
  origin: string;
}

/** One row's own folder: its copy of the home, and a destination that must stay empty. */
interface Scratch {
  dir: string;
  home: string;
  dst: string;
}

type Argv = (w: World, s: Scratch) => string[];

interface CliRow {
  entry: 'cli';
  name: string;
  argv: Argv;
  /** Must appear in the one stderr line: the flag, argument, config key or file named. */
  field: string;
  /** What the line says about it. */
  says: RegExp;
  /** 2, or 1 for an unsafe key (an object-level failure, see the top of this file). */
  exit?: 1 | 2;
}

interface ApiRow {
  entry: 'api';
  name: string;
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  /** A string is sent as is (malformed JSON); anything else as JSON. */
  body: (w: World, s: Scratch) => unknown;
  /** `error.field` of the answer: a body property as a dotted path, or null when the whole body is at fault. */
  field: string | null;
  /** Must appear in `error.message` (for a null field, the word "body"). */
  names: string;
  says: RegExp;
  /** 400, or 413 for a body over the size limit (the status HTTP has for exactly that). */
  status?: 400 | 413;
}

interface StoreRow {
  entry: 'local-store';
  name: string;
  /** The store's prefix (a bad one is refused when the store is made). */
  prefix?: string;
  run?: (store: LocalStore) => Promise<unknown>;
  code: 'INVALID_KEY' | 'CONFIG';
  field: 'key' | 'prefix';
  says: RegExp;
}

type Row = CliRow | ApiRow | StoreRow;

const job = (...more: string[]): Argv => (w, s) => ['job', 'create', 'fresh', '--src', w.src, '--dst', s.dst, ...more];
const mirror = (...more: string[]): Argv => (w, s) => ['mirror', '--src', w.src, '--dst', s.dst, '--listen', '127.0.0.1:0', ...more];
const copy = (...more: string[]): Argv => (w, s) => ['copy', w.src, s.dst, ...more];
const s3Address = (...more: string[]): Argv => () => ['address', 'add', 'new', '--type', 's3', '--endpoint', 'https://oss-cn-hangzhou.aliyuncs.com', ...more];
const importCfg = (file: string, sysFile = 'good.properties'): Argv => () => ['job', 'import', cfg(file), '--sys', sys(sysFile), '--name', 'imported'];
const put = (key: string) => (store: LocalStore) => store.put(key, Readable.from([Buffer.from('x')]), { size: 1, metadata: emptyMetadata(), mtimeMs: Date.now() });
const jobBody = (more: Record<string, unknown>) => (_w: World, s: Scratch) => ({ name: 'fresh', src: 'disk', dst: s.dst, ...more });

const CATALOGUE: Row[] = [
  // ferry copy: flags and arguments.
  { entry: 'cli', name: 'copy: unknown overwrite policy', argv: copy('--overwrite', 'sometimes'), field: '--overwrite', says: /must be one of never, always, newer, different/ },
  { entry: 'cli', name: 'copy: --since that is not a time', argv: copy('--since', 'last tuesday'), field: '--since', says: /cannot read "last tuesday" as a time/ },
  { entry: 'cli', name: 'copy: --since on a day that does not exist', argv: copy('--since', '2024-02-30'), field: '--since', says: /cannot read "2024-02-30" as a time/ },
  { entry: 'cli', name: 'copy: zero concurrency', argv: copy('--concurrency', '0'), field: '--concurrency', says: /whole number from 1 to 4096/ },
  { entry: 'cli', name: 'copy: negative concurrency', argv: copy('--concurrency=-8'), field: '--concurrency', says: /whole number from 1 to 4096 \(got "-8"\)/ },
  // 1 MiB, not S3's 5 MiB, is the floor: OSS, OBS and BOS take 100 KiB parts, and a
  // smaller --part-size is raised to the destination's own minimum when parts are planned.
  { entry: 'cli', name: 'copy: part size below the 1 MiB floor', argv: copy('--part-size', '512k'), field: '--part-size', says: /must be at least 1MiB/ },
  { entry: 'cli', name: 'copy: part size above 5 GiB', argv: copy('--part-size', '6GiB'), field: '--part-size', says: /must be at most 5GiB/ },
  { entry: 'cli', name: 'copy: threshold that is not a size', argv: copy('--multipart-threshold', 'big'), field: '--multipart-threshold', says: /cannot read "big" as a size/ },
  { entry: 'cli', name: 'copy: negative retries', argv: copy('--retries=-1'), field: '--retries', says: /whole number/ },
  { entry: 'cli', name: 'copy: --include matching nothing', argv: copy('--include', '/'), field: '--include', says: /names no file or directory/ },
  { entry: 'cli', name: 'copy: unknown flag', argv: copy('--bwlimit', '10M'), field: '--bwlimit', says: /unknown option/ },
  { entry: 'cli', name: 'copy: unknown source address', argv: (_w, s) => ['copy', 'nosuch', s.dst], field: 'SRC', says: /neither a known address nor a local path/ },
  { entry: 'cli', name: 'copy: destination inside the source', argv: (w) => ['copy', w.src, join(w.src, 'inside')], field: 'DST', says: /overlaps SRC/ },
  { entry: 'cli', name: 'copy: an http-list as destination', argv: (w) => ['copy', w.src, 'web'], field: 'DST', says: /read-only/ },
  { entry: 'cli', name: 'copy: source folder that does not exist', argv: (w, s) => ['copy', join(w.src, 'no-such-folder'), s.dst], field: 'no-such-folder', says: /does not exist/ },
  { entry: 'cli', name: 'copy: zero multipart threshold', argv: copy('--multipart-threshold', '0'), field: '--multipart-threshold', says: /at least 1 byte/ },
  { entry: 'cli', name: 'copy: source is a file, not a folder', argv: (w, s) => ['copy', w.file, s.dst], field: 'file.txt', says: /is not a directory/ },
  { entry: 'cli', name: 'copy: secret-env names an unset variable', argv: (_w, s) => ['copy', 'locked', s.dst], field: UNSET_VAR, says: /environment variable \S+ is not set/ },
  { entry: 'cli', name: "copy: an http-list address whose list file is gone", argv: (_w, s) => ['copy', 'gone', s.dst], field: 'list file', says: /cannot read list file .*ENOENT/ },
  { entry: 'cli', name: 'copy: a two-column list line with ..', argv: (_w, s) => ['copy', 'dotted-list', s.dst], field: 'line 1', says: /has \. or \.\. segments/ },

  // ferry job create / set / report: job options.
  { entry: 'cli', name: 'job: bad name', argv: (w, s) => ['job', 'create', 'no spaces!', '--src', w.src, '--dst', s.dst], field: 'NAME', says: /letters, digits/ },
  { entry: 'cli', name: 'job: --every shorter than a minute', argv: job('--every', '10s'), field: '--every', says: /at least 1m/ },
  { entry: 'cli', name: 'job: --every that is not a duration', argv: job('--every', 'hourly'), field: '--every', says: /cannot read "hourly" as a duration/ },
  { entry: 'cli', name: 'job: zero --times', argv: job('--every', '1h', '--times', '0'), field: '--times', says: /whole number from 1/ },
  { entry: 'cli', name: 'job: cron minute out of range', argv: job('--cron', '61 * * * *'), field: '--cron', says: /minute "61"/ },
  { entry: 'cli', name: 'job: cron with three fields', argv: job('--cron', '* * *'), field: '--cron', says: /5 fields/ },
  { entry: 'cli', name: 'job: bwlimit table out of order', argv: job('--bwlimit', '08:00,10M 07:00,1M'), field: '--bwlimit', says: /entry 2 "07:00,1M": 07:00 is not after/ },
  { entry: 'cli', name: 'job: bwlimit hour 24', argv: job('--bwlimit', '00:00,1M 24:00,2M'), field: '--bwlimit', says: /"24:00" is not a time of day/ },
  { entry: 'cli', name: 'job: bwlimit of zero', argv: job('--bwlimit', '0'), field: '--bwlimit', says: /write "off"/ },
  { entry: 'cli', name: 'job: max-qps with a byte unit', argv: job('--max-qps', '10M'), field: '--max-qps', says: /objects per second/ },
  { entry: 'cli', name: 'job: zero objects per task', argv: job('--task-objects', '0'), field: '--task-objects', says: /whole number from 1/ },
  { entry: 'cli', name: 'job: zero task size', argv: job('--task-size', '0'), field: '--task-size', says: /at least 1 byte/ },
  { entry: 'cli', name: 'job: task size that is not a size', argv: job('--task-size', '1 GB-ish'), field: '--task-size', says: /as a size/ },
  { entry: 'cli', name: 'job: list depth above 8', argv: job('--list-depth', '9'), field: '--list-depth', says: /from 0 to 8/ },
  { entry: 'cli', name: 'job: part size above 5 GiB', argv: job('--part-size', '8G'), field: '--part-size', says: /at most 5GiB/ },
  { entry: 'cli', name: 'job: unknown overwrite policy', argv: job('--overwrite', 'older'), field: '--overwrite', says: /must be one of/ },
  { entry: 'cli', name: 'job: destination inside the source', argv: (w) => ['job', 'create', 'fresh', '--src', 'disk', '--dst', join(w.src, 'copy')], field: 'DST', says: /overlaps SRC/ },
  { entry: 'cli', name: 'job: missing --src', argv: (_w, s) => ['job', 'create', 'fresh', '--dst', s.dst], field: '--src', says: /required option/ },
  { entry: 'cli', name: 'job set: bad bwlimit on an existing job', argv: () => ['job', 'set', 'seeded', '--bwlimit', '8:60,1M'], field: '--bwlimit', says: /entry 1 "8:60,1M"/ },
  { entry: 'cli', name: 'job report: unknown kind', argv: () => ['job', 'report', 'seeded', '--kind', 'weird'], field: '--kind', says: /must be one of/ },
  { entry: 'cli', name: 'job report: unknown format', argv: () => ['job', 'report', 'seeded', '--format', 'xml'], field: '--format', says: /must be one of csv, jsonl/ },

  // ferry address add: address definitions.
  { entry: 'cli', name: 'address: endpoint that is not a URL', argv: () => ['address', 'add', 'new', '--type', 's3', '--endpoint', 'oss cn hangzhou', '--bucket', 'b'], field: '--endpoint', says: /must be an http\(s\) URL/ },
  { entry: 'cli', name: 'address: ftp endpoint', argv: () => ['address', 'add', 'new', '--type', 's3', '--endpoint', 'ftp://example.com', '--bucket', 'b'], field: '--endpoint', says: /must be an http\(s\) URL/ },
  { entry: 'cli', name: 'address: unknown provider', argv: s3Address('--bucket', 'b', '--provider', 'dropbox'), field: '--provider', says: /must be one of aws, oss/ },
  { entry: 'cli', name: 'address: missing bucket', argv: s3Address(), field: '--bucket', says: /is required/ },
  { entry: 'cli', name: 'address: bucket with a slash', argv: s3Address('--bucket', 'photos/2024'), field: '--bucket', says: /must not contain \// },
  { entry: 'cli', name: 'address: region with a space', argv: s3Address('--bucket', 'b', '--region', 'cn hangzhou'), field: '--region', says: /letters, digits/ },
  { entry: 'cli', name: 'address: secret-env that is no variable name', argv: s3Address('--bucket', 'b', '--access-key-id', 'LTAIexample', '--secret-env', 'OSS-SECRET'), field: '--secret-env', says: /environment variable name/ },
  { entry: 'cli', name: 'address: key id without a secret', argv: s3Address('--bucket', 'b', '--access-key-id', 'LTAIexample'), field: '--access-key-id', says: /needs a secret/ },
  { entry: 'cli', name: 'address: local path that is a file', argv: (w) => ['address', 'add', 'new', '--type', 'local', '--path', w.file], field: '--path', says: /must be a folder, not a file/ },
  { entry: 'cli', name: 'address: list file missing', argv: (w) => ['address', 'add', 'new', '--type', 'http-list', '--list', join(w.root, 'no-such-list.txt')], field: '--list', says: /must be an existing file/ },
  { entry: 'cli', name: 'address: unknown type', argv: () => ['address', 'add', 'new', '--type', 'ftp'], field: '--type', says: /must be one of s3, local, http-list/ },
  { entry: 'cli', name: 'address: name already taken', argv: (w) => ['address', 'add', 'disk', '--type', 'local', '--path', w.src], field: 'NAME', says: /already exists/ },

  // ferry serve / worker / plan.
  { entry: 'cli', name: 'serve: zero --max-jobs', argv: () => ['serve', '--max-jobs', '0'], field: '--max-jobs', says: /whole number from 1 to 64/ },
  { entry: 'cli', name: 'serve: port out of range', argv: () => ['serve', '--listen', '127.0.0.1:99999'], field: '--listen', says: /port 99999/ },
  { entry: 'cli', name: 'serve: --token with --no-api', argv: () => ['serve', '--no-api', '--token', 'abc'], field: '--token', says: /cannot be used with --no-api/ },
  { entry: 'cli', name: 'serve: --max-waiting without --queue', argv: () => ['serve', '--max-waiting', '8'], field: '--max-waiting', says: /needs --queue/ },
  { entry: 'cli', name: 'worker: no --queue', argv: () => ['worker'], field: '--queue', says: /is required/ },
  { entry: 'cli', name: 'worker: --queue that is not a Redis URL', argv: () => ['worker', '--queue', 'http://10.0.0.5:6379'], field: '--queue', says: /not a Redis URL/ },
  { entry: 'cli', name: 'worker: zero --tasks', argv: () => ['worker', '--queue', 'redis://127.0.0.1:6379/0', '--tasks', '0'], field: '--tasks', says: /whole number from 1 to 64/ },
  { entry: 'cli', name: 'mirror: --secret-env without --access-key-id', argv: mirror('--secret-env', 'MIRROR_SECRET'), field: '--access-key-id', says: /together/ },
  { entry: 'cli', name: 'mirror: --secret-env naming an unset variable', argv: mirror('--access-key-id', 'mirror-key', '--secret-env', UNSET_VAR), field: '--secret-env', says: /is not set/ },
  { entry: 'cli', name: 'mirror: neither credentials nor --anonymous-read', argv: mirror(), field: '--access-key-id', says: /--anonymous-read/ },
  { entry: 'cli', name: 'mirror: bucket name S3 would refuse', argv: mirror('--anonymous-read', '--bucket', 'Photos_2024'), field: '--bucket', says: /S3 bucket name/ },
  { entry: 'cli', name: 'mirror: part size below 5 MiB', argv: mirror('--anonymous-read', '--bucket', 'photos', '--part-size', '1M'), field: '--part-size', says: /at least 5MiB/ },
  { entry: 'cli', name: 'mirror: local destination without --bucket', argv: mirror('--anonymous-read'), field: '--bucket', says: /is required when the destination is not an S3 bucket/ },
  { entry: 'cli', name: 'plan: zero deadline', argv: () => ['plan', 'disk', '--deadline', '0s'], field: '--deadline', says: /longer than 0/ },
  { entry: 'cli', name: 'plan: per-worker rate that is not a rate', argv: () => ['plan', 'disk', '--per-worker', 'fast'], field: '--per-worker', says: /cannot read "fast" as a rate/ },
  { entry: 'cli', name: 'plan: zero sample', argv: () => ['plan', 'disk', '--sample', '0'], field: '--sample', says: /at least 1/ },

  // ferry job import: ossimport job.cfg and sys.properties (test/fixtures/bad-input).
  { entry: 'cli', name: 'job.cfg: unknown srcType', argv: importCfg('unknown-src-type.cfg'), field: 'job.cfg: srcType', says: /"ftp" is not supported/ },
  { entry: 'cli', name: 'job.cfg: missing required key', argv: importCfg('missing-dest-bucket.cfg'), field: 'job.cfg: missing destBucket', says: /missing/ },
  { entry: 'cli', name: 'job.cfg: importSince as a date', argv: importCfg('bad-import-since.cfg'), field: 'job.cfg: importSince', says: /whole number/ },
  { entry: 'cli', name: 'job.cfg: importSince in milliseconds', argv: importCfg('import-since-in-ms.cfg'), field: 'job.cfg: importSince', says: /looks like milliseconds/ },
  { entry: 'cli', name: 'job.cfg: taskObjectCountLimit in words', argv: importCfg('bad-task-object-count.cfg'), field: 'job.cfg: taskObjectCountLimit', says: /whole number/ },
  { entry: 'cli', name: 'job.cfg: isSkipExistFile not a boolean', argv: importCfg('skip-exist-not-boolean.cfg'), field: 'job.cfg: isSkipExistFile', says: /true or false/ },
  { entry: 'cli', name: 'job.cfg: ftp srcDomain', argv: importCfg('bad-src-domain.cfg'), field: 'job.cfg: srcDomain', says: /http\(s\) URL/ },
  { entry: 'cli', name: 'job.cfg: unknown jobType', argv: importCfg('bad-job-type.cfg'), field: 'job.cfg: jobType', says: /import or audit/ },
  { entry: 'cli', name: 'job.cfg: part size in words', argv: importCfg('bad-part-size.cfg'), field: 'job.cfg: multipartUploadPartSize', says: /a size in bytes/ },
  { entry: 'cli', name: 'job.cfg: bucket with a space and a slash', argv: importCfg('bad-dest-bucket.cfg'), field: 'job.cfg: destBucket', says: /without \/ or spaces/ },
  { entry: 'cli', name: 'job.cfg: a line with no key', argv: importCfg('malformed-line.cfg'), field: 'job.cfg: line 13', says: /no key before its value/ },
  { entry: 'cli', name: 'job.cfg: saved as GBK', argv: importCfg('gbk-encoded.cfg'), field: 'job.cfg: line 8', says: /is not UTF-8 text/ },
  { entry: 'cli', name: 'job.cfg: binary garbage', argv: importCfg('binary-garbage.cfg'), field: 'job.cfg: line 1', says: /is not UTF-8 text/ },
  { entry: 'cli', name: 'job.cfg: file missing', argv: () => ['job', 'import', cfg('no-such.cfg')], field: 'job.cfg', says: /cannot read .*ENOENT/ },
  { entry: 'cli', name: 'sys.properties: thread count in words', argv: importCfg('good.cfg', 'bad-thread-count.properties'), field: 'sys.properties: workerTaskThreadNum', says: /whole number/ },
  { entry: 'cli', name: 'sys.properties: negative throughput', argv: importCfg('good.cfg', 'bad-throughput.properties'), field: 'sys.properties: workerMaxThroughput(KB/s)', says: /whole number/ },
  { entry: 'cli', name: 'job import: bad --name', argv: () => ['job', 'import', cfg('good.cfg'), '--name', 'bad name'], field: 'NAME', says: /letters, digits/ },

  // Keys a local destination must refuse, from an http-list source whose full
  // URLs decode to them: one object fails (exit 1), nothing lands anywhere.
  { entry: 'cli', name: 'key: ../ from %2e%2e%2f', argv: (_w, s) => ['copy', 'key-dotdot', s.dst], field: 'key "../escape.txt"', says: /escapes the root with \.\./, exit: 1 },
  { entry: 'cli', name: 'key: a/../../ deeper', argv: (_w, s) => ['copy', 'key-updots', s.dst], field: 'key "x/../../up.txt"', says: /escapes the root with \.\./, exit: 1 },
  { entry: 'cli', name: 'key: NUL byte', argv: (_w, s) => ['copy', 'key-nul', s.dst], field: 'key "a\\u0000b.txt"', says: /contains a NUL byte/, exit: 1 },
  { entry: 'cli', name: 'key: backslash ..\\..\\', argv: (_w, s) => ['copy', 'key-backslash', s.dst], field: 'key "..\\\\..\\\\escape.txt"', says: /contains a backslash/, exit: 1 },
  { entry: 'cli', name: 'key: Windows drive path', argv: (_w, s) => ['copy', 'key-drive', s.dst], field: 'key "C:\\\\escape.txt"', says: /is absolute/, exit: 1 },
  { entry: 'cli', name: 'key: ../ with a line break in it', argv: (_w, s) => ['copy', 'key-newline', s.dst], field: 'key "../line\\nbreak.txt"', says: /escapes the root/, exit: 1 },
  { entry: 'cli', name: "key: Ferry's temporary-file name", argv: (_w, s) => ['copy', 'key-temp', s.dst], field: 'key ".ferry-tmp-0123"', says: /temporary-file name prefix/, exit: 1 },

  // REST API bodies.
  { entry: 'api', name: 'POST /api/addresses: bucket of the wrong type', method: 'POST', path: '/api/addresses', body: () => ({ name: 'new', type: 's3', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', bucket: 5 }), field: 'bucket', names: 'bucket', says: /must be text/ },
  { entry: 'api', name: 'POST /api/addresses: unknown field', method: 'POST', path: '/api/addresses', body: () => ({ name: 'new', type: 's3', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', bucket: 'b', colour: 'red' }), field: 'colour', names: 'colour', says: /is not used with type s3/ },
  { entry: 'api', name: 'POST /api/addresses: missing bucket', method: 'POST', path: '/api/addresses', body: () => ({ name: 'new', type: 's3', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com' }), field: 'bucket', names: 'bucket', says: /is required/ },
  { entry: 'api', name: 'POST /api/addresses: missing name', method: 'POST', path: '/api/addresses', body: (w) => ({ type: 'local', path: w.src }), field: 'name', names: 'name', says: /is required/ },
  { entry: 'api', name: 'POST /api/addresses: pathStyle as a string', method: 'POST', path: '/api/addresses', body: () => ({ name: 'new', type: 's3', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', bucket: 'b', pathStyle: 'yes' }), field: 'pathStyle', names: 'pathStyle', says: /must be true or false/ },
  { entry: 'api', name: 'POST /api/addresses: local path that is a file', method: 'POST', path: '/api/addresses', body: (w) => ({ name: 'new', type: 'local', path: w.file }), field: 'path', names: 'path', says: /must be a folder/ },
  { entry: 'api', name: 'POST /api/addresses: an array', method: 'POST', path: '/api/addresses', body: () => [{ name: 'new', type: 'local', path: '/tmp' }], field: 'address', names: 'address', says: /must be an object/ },
  { entry: 'api', name: 'POST /api/addresses: malformed JSON', method: 'POST', path: '/api/addresses', body: () => '{"name": "new", "type": ', field: null, names: 'body', says: /must be JSON/ },
  { entry: 'api', name: 'PATCH /api/addresses/disk: endpoint on a local address', method: 'PATCH', path: '/api/addresses/disk', body: () => ({ endpoint: 'https://example.com' }), field: 'endpoint', names: 'endpoint', says: /is not used with type local/ },
  { entry: 'api', name: 'POST /api/jobs: src of the wrong type', method: 'POST', path: '/api/jobs', body: jobBody({ src: 5 }), field: 'src', names: 'src', says: /expected string/ },
  { entry: 'api', name: 'POST /api/jobs: missing name', method: 'POST', path: '/api/jobs', body: (_w, s) => ({ src: 'disk', dst: s.dst }), field: 'name', names: 'name', says: /expected string/ },
  { entry: 'api', name: 'POST /api/jobs: unknown top-level field', method: 'POST', path: '/api/jobs', body: jobBody({ priority: 'high' }), field: 'priority', names: 'priority', says: /is not a known field/ },
  { entry: 'api', name: 'POST /api/jobs: misspelt copy option', method: 'POST', path: '/api/jobs', body: jobBody({ copy: { concurency: 8 } }), field: 'copy.concurency', names: 'copy.concurency', says: /is not a known field/ },
  { entry: 'api', name: 'POST /api/jobs: concurrency as a string', method: 'POST', path: '/api/jobs', body: jobBody({ copy: { concurrency: '8' } }), field: 'copy.concurrency', names: 'copy.concurrency', says: /expected number/ },
  { entry: 'api', name: 'POST /api/jobs: part size above 5 GiB', method: 'POST', path: '/api/jobs', body: jobBody({ copy: { partSize: 6 * 1024 * MiB } }), field: 'copy.partSize', names: 'copy.partSize', says: /at most 5GiB/ },
  { entry: 'api', name: 'POST /api/jobs: negative objects per task', method: 'POST', path: '/api/jobs', body: jobBody({ tasks: { maxObjects: -1 } }), field: 'tasks.maxObjects', names: 'tasks.maxObjects', says: />=1/ },
  { entry: 'api', name: 'POST /api/jobs: bad cron', method: 'POST', path: '/api/jobs', body: jobBody({ schedule: { cron: '0 25 * * *' } }), field: 'schedule.cron', names: 'schedule.cron', says: /hour "25"/ },
  { entry: 'api', name: 'POST /api/jobs: bwlimit table with a bad rate', method: 'POST', path: '/api/jobs', body: jobBody({ throttle: { bwlimit: '00:00,100M 08:00,10X' } }), field: 'throttle.bwlimit', names: 'throttle.bwlimit', says: /cannot read "10X" as a rate/ },
  { entry: 'api', name: 'POST /api/jobs: unknown source address', method: 'POST', path: '/api/jobs', body: jobBody({ src: 'nowhere' }), field: 'src', names: '"nowhere"', says: /neither a known address/ },
  { entry: 'api', name: 'POST /api/jobs: dst inside src', method: 'POST', path: '/api/jobs', body: (w) => ({ name: 'fresh', src: w.src, dst: 'disk:copy/' }), field: 'dst', names: 'dst', says: /^dst: overlaps src/ },
  { entry: 'api', name: 'POST /api/jobs: start as a string', method: 'POST', path: '/api/jobs', body: jobBody({ start: 'yes' }), field: 'start', names: 'start', says: /expected boolean/ },
  { entry: 'api', name: 'POST /api/jobs: malformed JSON', method: 'POST', path: '/api/jobs', body: () => '{"name": "fresh",', field: null, names: 'body', says: /must be JSON/ },
  { entry: 'api', name: 'POST /api/jobs: body over 1 MiB', method: 'POST', path: '/api/jobs', body: (_w, s) => JSON.stringify({ name: 'fresh', src: 'disk', dst: s.dst, reportPrefix: 'x'.repeat(MiB) }), field: null, names: 'body', says: /larger than 1 MiB/, status: 413 },
  { entry: 'api', name: 'PUT /api/jobs/seeded/throttle: bwlimit as a number', method: 'PUT', path: '/api/jobs/seeded/throttle', body: () => ({ bwlimit: 5 }), field: 'bwlimit', names: 'bwlimit', says: /expected string/ },

  // The LocalStore API itself: keys that could leave the root or hide in it.
  { entry: 'local-store', name: 'LocalStore.put: ../ escapes', run: put('../escape.txt'), code: 'INVALID_KEY', field: 'key', says: /escapes the root with \.\./ },
  { entry: 'local-store', name: 'LocalStore.put: a/../../ escapes after normalising', run: put('a/../../escape.txt'), code: 'INVALID_KEY', field: 'key', says: /escapes the root/ },
  { entry: 'local-store', name: 'LocalStore.put: absolute key', run: put('/tmp/escape.txt'), code: 'INVALID_KEY', field: 'key', says: /is absolute/ },
  { entry: 'local-store', name: 'LocalStore.put: NUL byte', run: put('a\0.txt'), code: 'INVALID_KEY', field: 'key', says: /NUL byte/ },
  { entry: 'local-store', name: 'LocalStore.put: backslash ..\\', run: put('..\\escape.txt'), code: 'INVALID_KEY', field: 'key', says: /backslash/ },
  { entry: 'local-store', name: 'LocalStore.put: . segment', run: put('a/./b.txt'), code: 'INVALID_KEY', field: 'key', says: /\. segment/ },
  { entry: 'local-store', name: 'LocalStore.put: temporary-file name', run: put('dir/.ferry-tmp-abc'), code: 'INVALID_KEY', field: 'key', says: /temporary-file name prefix/ },
  { entry: 'local-store', name: 'LocalStore.get: ../ escapes', run: (store) => store.get('../etc/passwd'), code: 'INVALID_KEY', field: 'key', says: /escapes the root/ },
  { entry: 'local-store', name: 'LocalStore.head: drive letter', run: (store) => store.head('C:/Windows/win.ini'), code: 'INVALID_KEY', field: 'key', says: /is absolute/ },
  { entry: 'local-store', name: 'LocalStore: a prefix that climbs out', prefix: '../outside/', code: 'CONFIG', field: 'prefix', says: /is not a relative path/ },
];

let world: World;
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-length': '2', 'last-modified': 'Wed, 01 Jan 2020 00:00:00 GMT', 'content-type': 'text/plain' });
    res.end(req.method === 'HEAD' ? undefined : 'hi');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const root = mkdtempSync(join(tmpdir(), 'ferry-catalogue-'));
  const src = join(root, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha');
  writeFileSync(join(src, 'sub/b.txt'), 'bravo');
  const file = join(root, 'file.txt');
  writeFileSync(file, 'a file, not a folder');
  world = { root, src, file, templateHome: newHomeDir('catalogue-template'), origin };

  const cli = new FerryCli(world.templateHome);
  const list = (name: string, ...lines: string[]): string => {
    const path = join(root, `${name}.list`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const seed: string[][] = [
    ['address', 'add', 'disk', '--type', 'local', '--path', src],
    ['address', 'add', 'web', '--type', 'http-list', '--list', list('web', `${origin}/ok.txt`)],
    ['address', 'add', 'locked', '--type', 's3', '--provider', 'ceph', '--endpoint', 'http://127.0.0.1:9', '--bucket', 'b', '--access-key-id', 'AKIDEXAMPLE', '--secret-env', UNSET_VAR],
    // A sealed secret makes the home's secret key file part of what must not change.
    ['address', 'add', 'sealed', '--type', 's3', '--provider', 'oss', '--endpoint', 'https://oss-cn-hangzhou.aliyuncs.com', '--bucket', 'b', '--access-key-id', 'LTAIexample', '--secret-access-key', OTHER_EXAMPLE_SECRET],
    ['address', 'add', 'gone', '--type', 'http-list', '--list', list('gone', `${origin}/ok.txt`)],
    ['address', 'add', 'dotted-list', '--type', 'http-list', '--list', list('dotted', `${origin}/files/   ../escape.txt`)],
    ['address', 'add', 'key-dotdot', '--type', 'http-list', '--list', list('dotdot', `${origin}/%2e%2e%2fescape.txt`)],
    ['address', 'add', 'key-updots', '--type', 'http-list', '--list', list('updots', `${origin}/x/..%2f..%2fup.txt`)],
    ['address', 'add', 'key-nul', '--type', 'http-list', '--list', list('nul', `${origin}/a%00b.txt`)],
    ['address', 'add', 'key-backslash', '--type', 'http-list', '--list', list('backslash', `${origin}/..%5c..%5cescape.txt`)],
    ['address', 'add', 'key-drive', '--type', 'http-list', '--list', list('drive', `${origin}/C:%5Cescape.txt`)],
    ['address', 'add', 'key-newline', '--type', 'http-list', '--list', list('newline', `${origin}/%2e%2e%2fline%0abreak.txt`)],
    ['address', 'add', 'key-temp', '--type', 'http-list', '--list', list('temp', `${origin}/.ferry-tmp-0123`)],
    ['job', 'create', 'seeded', '--src', 'disk', '--dst', join(root, 'seeded-dst'), '--bwlimit', '10M'],
  ];
  for (const argv of seed) await cli.ok(0, ...argv);
  rmSync(join(root, 'gone.list'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(world.root, { recursive: true, force: true });
});

/** A fresh copy of the seeded home (in the run's artifacts), and a destination path that does not exist yet. */
function scratch(): Scratch {
  const dir = mkdtempSync(join(world.root, 'row-'));
  const home = newHomeDir('catalogue-row');
  cpSync(world.templateHome, home, { recursive: true });
  return { dir, home, dst: join(dir, 'dst') };
}

/** Nothing but the destination is in the row's folder, and the destination, if any, is empty. */
function expectNothingWritten(s: Scratch): void {
  expect(readdirSync(s.dir).filter((n) => n !== 'dst')).toEqual([]);
  if (existsSync(s.dst)) {
    expect(statSync(s.dst).isDirectory()).toBe(true);
    expect(readdirSync(s.dst, { recursive: true })).toEqual([]);
  }
}

async function runCli(row: CliRow, s: Scratch): Promise<void> {
  const r = await new FerryCli(s.home).run(...row.argv(world, s));
  const exit = row.exit ?? 2;
  expect(r.code, r.err).toBe(exit);
  const lines = r.err.split('\n');
  expect(lines.at(-1), 'stderr ends with a newline').toBe('');
  expect(lines.slice(0, -1), 'exactly one line on stderr').toHaveLength(1);
  const line = lines[0]!;
  expect(line).toContain(row.field);
  expect(line).toMatch(row.says);
  expectNoStack(r.err + r.out);
  if (exit === 2) {
    expect(line).toMatch(/^(ferry|error): /);
    expect(r.out).toBe('');
  } else {
    // The object is reported as failed with its reason; the run itself completed.
    expect(line).toMatch(/^failed: /);
    expect(r.out).toMatch(/^failed 1$/m);
  }
}

async function runApi(row: ApiRow, s: Scratch): Promise<void> {
  const home = openHome(s.home, {});
  try {
    const app = createApp({
      db: home.db,
      home: home.dir,
      jobs: new JobRepository(home.db),
      addresses: new AddressRepository(home.db, home.secretBox),
      secretBox: home.secretBox,
      env: {},
      tokenHash: hashToken(TEST_TOKEN),
      console: false,
    });
    recordResponses(app, 'catalogue');
    const body = row.body(world, s);
    const res = await app.request(row.path, {
      method: row.method,
      headers: { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, text).toBe(row.status ?? 400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = JSON.parse(text) as { error: { code: string; message: string; field: string | null } };
    expect(Object.keys(answer)).toEqual(['error']);
    expect(answer.error.field).toBe(row.field);
    expect(answer.error.message).not.toMatch(/[\r\n]/);
    expect(answer.error.message).toContain(row.names);
    expect(answer.error.message).toMatch(row.says);
    expectNoStack(text);
  } finally {
    home.close();
  }
}

async function runStore(row: StoreRow, s: Scratch): Promise<void> {
  let err: unknown;
  try {
    const store = new LocalStore({ type: 'local', path: s.dst, prefix: row.prefix ?? '' });
    await row.run?.(store);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FerryError);
  const e = err as FerryError;
  expect(e.code).toBe(row.code);
  expect(e.field).toBe(row.field);
  expect(e.message).not.toMatch(/[\r\n]/);
  expect(e.message).toMatch(row.says);
}

describe('the bad-input catalogue', () => {
  it('has at least 40 distinct rows over every entry point', () => {
    expect(new Set(CATALOGUE.map((r) => r.name)).size).toBe(CATALOGUE.length);
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    const cli = CATALOGUE.filter((r): r is CliRow => r.entry === 'cli');
    for (const command of ['copy', 'job create', 'job set', 'job import', 'address add', 'serve', 'worker', 'plan', 'mirror']) {
      expect(cli.some((r) => r.argv(world, scratchless).join(' ').startsWith(command)), command).toBe(true);
    }
    expect(CATALOGUE.filter((r) => r.entry === 'api').length).toBeGreaterThanOrEqual(10);
    expect(CATALOGUE.filter((r) => r.entry === 'local-store').length).toBeGreaterThanOrEqual(5);
  });

  it.each(CATALOGUE.map((row) => [`${row.entry}: ${row.name}`, row] as const))('%s', async (_name, row) => {
    const s = scratch();
    const before = snapshotHome(s.home);
    if (row.entry === 'cli') await runCli(row, s);
    else if (row.entry === 'api') await runApi(row, s);
    else await runStore(row, s);
    expect(snapshotHome(s.home)).toEqual(before);
    expectNothingWritten(s);
  });
});

/** For looking at a row's argv without making its folder. */
const scratchless: Scratch = { dir: '/nonexistent', home: '/nonexistent/home', dst: '/nonexistent/dst' };

describe('an unsafe key among good ones', () => {
  it('fails alone: the good objects are copied, the bad ones reported, nothing lands outside the root', async () => {
    const s = scratch();
    const cli = new FerryCli(s.home);
    const listPath = join(s.dir, 'mixed.list');
    writeFileSync(listPath, [`${world.origin}/good/one.txt`, `${world.origin}/%2e%2e%2fescape.txt`, `${world.origin}/good/two.txt`, `${world.origin}/a%00b.txt`].join('\n'));
    await cli.ok(0, 'address', 'add', 'mixed', '--type', 'http-list', '--list', listPath);
    const r = await cli.run('copy', 'mixed', s.dst, '--json');
    expect(r.code).toBe(1);
    const summary = r.json<{ copied: number; failed: number; failures: { key: string; error: string }[] }>();
    expect(summary).toMatchObject({ copied: 2, failed: 2 });
    expect(summary.failures.map((f) => f.key).sort()).toEqual(['../escape.txt', 'a\0b.txt']);
    expect(summary.failures.every((f) => !f.error.includes('\n') && /^key /.test(f.error))).toBe(true);
    expect(readdirSync(s.dst, { recursive: true }).map(String).sort()).toEqual(['good', 'good/one.txt', 'good/two.txt']);
    expect(readdirSync(s.dir).sort()).toEqual(['dst', 'mixed.list']);
    expectNoStack(r.err);
  });
});
