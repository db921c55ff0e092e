#!/usr/bin/env node
// Looks for the test secrets in everything a test run left behind, after
// `vitest run` (`npm test` runs it last): the homes (SQLite ferry.db, its
// -wal/-shm, reports), the CLI logs, the API responses, the console pages and
// network responses, the tests' console output. See test/helpers/artifacts.ts
// for how the tests put them under test-artifacts/run/.
//
//   node scripts/secrets-scan.mjs [FOLDER]     (default: test-artifacts/run)
//
// The secrets: both Ceph users' secret keys (s3.env from scripts/ceph-up.sh,
// or S3_SECRET_KEY/S3_SECRET_KEY_2 in the environment), the Redis password if
// the test server has one, every secret the tests registered in a run's
// registered-secrets.jsonl (test/helpers/test-secrets.ts and registerSecret()),
// and each home's own secret.key, which must not show up anywhere else.
// Each is looked for in clear, URL-encoded, hex and base64 (standard and URL
// alphabets, at all three byte alignments, so a secret inside a larger
// base64 blob is found too); a 64-hex-digit key also as its raw bytes.
// Files are read as bytes: SQLite pages, WAL frames and free pages included.
//
// A hit prints the file, the secret's label, the form and the byte offset,
// never the secret, and the exit code is 1. So is a folder without at least
// one database, log, API response, console page and report: a broken
// artifacts pipeline must not pass as "0 found". SECRETS_SCAN_ALLOW_MISSING=console
// (comma-separated kinds) waives that for a kind on purpose, e.g. on a
// machine without Chromium. Exit code 2: bad usage or no secrets to look for.
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_TARGET = join(REPO_ROOT, 'test-artifacts', 'run');
/** Written by the tests (test/helpers/artifacts-run.ts SECRETS_REGISTRY). */
const REGISTRY = 'registered-secrets.jsonl';
const HOME_DB = 'ferry.db';
/** src/home/secret-box.ts KEY_FILE. */
const KEY_FILE = 'secret.key';
/** Shorter values are too common to look for (and no real secret is this short). */
const MIN_LEN = 8;
const CHUNK = 8 * 1024 * 1024;
const KINDS = ['database', 'log', 'API response', 'console page', 'report'];

const fmt = (n) => n.toLocaleString('en-US');
const say = (line) => process.stdout.write(`secrets-scan: ${line}\n`);

function usage(message) {
  process.stderr.write(`secrets-scan: ${message}\nusage: node scripts/secrets-scan.mjs [FOLDER]\n`);
  process.exit(2);
}

// ---- the files ----------------------------------------------------------------

function walk(root) {
  const files = [];
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) files.push(path);
    }
  }
  return files.sort();
}

/** Which of the required kinds a file is (path relative to the scanned folder). */
function kindOf(rel) {
  const parts = rel.split(sep);
  const name = parts[parts.length - 1];
  if (name === HOME_DB) return 'database';
  if (parts.includes('console')) return 'console page';
  if (name.endsWith('.http')) return 'API response';
  if (name.endsWith('.log')) return 'log';
  if (parts.includes('reports') || /(^|\/)jobs\/[^/]+\/runs\/\d+\/[^/]+$/.test(parts.join('/'))) return 'report';
  return undefined;
}

// ---- the secrets --------------------------------------------------------------

function parseEnvFile(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (!line || line.startsWith('#') || eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    out[line.slice(0, eq).replace(/^export\s+/, '').trim()] = value;
  }
  return out;
}

function readEnvFile(path) {
  return existsSync(path) ? parseEnvFile(readFileSync(path, 'utf8')) : undefined;
}

/** As test/helpers/s3-env.ts and redis-env.ts find them. */
function serverSecrets(notes) {
  const out = [];
  const s3File = join(process.env.CEPH_BASE || '/tmp/ferry-ceph', 's3.env');
  const fromFile = readEnvFile(s3File);
  for (const [vars, where] of [[process.env, 'environment'], [fromFile, s3File]]) {
    if (!vars) continue;
    if (vars.S3_SECRET_KEY) out.push({ label: `Ceph user 1 secret key (${where})`, value: vars.S3_SECRET_KEY });
    if (vars.S3_SECRET_KEY_2) out.push({ label: `Ceph user 2 secret key (${where})`, value: vars.S3_SECRET_KEY_2 });
  }
  if (out.length === 0) notes.push(`no S3 test secret keys (no ${s3File}, no S3_SECRET_KEY)`);
  const redisFile = readEnvFile(join(process.env.REDIS_BASE || '/tmp/ferry-redis', 'redis.env'));
  for (const url of [process.env.REDIS_URL, redisFile?.REDIS_URL]) {
    if (!url) continue;
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password) out.push({ label: 'Redis password', value: password });
    } catch {
      notes.push('REDIS_URL is not a URL');
    }
  }
  return out;
}

function registeredSecrets(files) {
  const out = [];
  for (const file of files.filter((f) => basename(f) === REGISTRY)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const { label, value } = JSON.parse(line);
        if (typeof label === 'string' && typeof value === 'string') out.push({ label, value });
      } catch {
        // a line cut short by a killed test worker
      }
    }
  }
  return out;
}

/** A key file's 32 bytes, read as Ferry reads it: raw, or 64 hex digits, or base64. */
function keyBytes(bytes) {
  if (bytes.length === 32) return bytes;
  const text = bytes.toString('utf8').trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  return key.length === 32 ? key : bytes;
}

/** Every home's secret.key (a secret.key beside a ferry.db); the key must be nowhere else. */
function homeKeys(files, target) {
  return files
    .filter((f) => basename(f) === KEY_FILE && existsSync(join(dirname(f), HOME_DB)))
    .map((f) => ({ label: `home key ${relative(target, f)}`, bytes: keyBytes(readFileSync(f)), file: f }));
}

// ---- the forms ----------------------------------------------------------------

/**
 * The base64 text of `bytes` when they sit at offset 0, 1 or 2 of a larger
 * blob, keeping only the characters that depend on `bytes` alone.
 */
function base64Forms(bytes) {
  const out = [];
  for (const shift of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const full = padded.toString('base64').replace(/=+$/, '');
    const skip = Math.ceil((shift * 8) / 6);
    const end = Math.floor((padded.length * 8) / 6);
    const std = full.slice(skip, end);
    out.push([`base64${shift ? ` +${shift}` : ''}`, std]);
    const url = std.replace(/\+/g, '-').replace(/\//g, '_');
    if (url !== std) out.push([`base64url${shift ? ` +${shift}` : ''}`, url]);
  }
  return out;
}

/** [form, bytes] pairs to look for. */
function formsOf(secret) {
  const forms = [];
  if (secret.bytes) {
    forms.push(['raw bytes', secret.bytes], ['hex', Buffer.from(secret.bytes.toString('hex'))]);
    for (const [name, text] of base64Forms(secret.bytes)) forms.push([name, Buffer.from(text)]);
  } else {
    const clear = Buffer.from(secret.value, 'utf8');
    forms.push(['clear', clear]);
    const url = encodeURIComponent(secret.value);
    if (url !== secret.value) forms.push(['URL-encoded', Buffer.from(url)]);
    const lower = url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    if (lower !== url) forms.push(['URL-encoded (lower case)', Buffer.from(lower)]);
    forms.push(['hex', Buffer.from(clear.toString('hex'))]);
    for (const [name, text] of base64Forms(clear)) forms.push([name, Buffer.from(text)]);
    if (/^[0-9a-fA-F]{64}$/.test(secret.value)) {
      const raw = Buffer.from(secret.value, 'hex');
      forms.push(['as key: raw bytes', raw]);
      for (const [name, text] of base64Forms(raw)) forms.push([`as key: ${name}`, Buffer.from(text)]);
    }
  }
  // Identical forms once; fragments too short to mean anything are left out.
  const seen = new Set();
  return forms.filter(([, bytes]) => {
    const k = bytes.toString('latin1');
    if (bytes.length < MIN_LEN || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---- the search ---------------------------------------------------------------

/**
 * All patterns at once: a rolling hash of each 8-byte window, checked
 * against a bit filter and then a map of the patterns' first 8 bytes, so
 * the cost hardly grows with the number of patterns (hundreds, with one key
 * per home).
 */
class Matcher {
  constructor(patterns) {
    this.patterns = patterns;
    this.maxLen = Math.max(MIN_LEN, ...patterns.map((p) => p.bytes.length));
    this.filter = new Uint8Array(1 << 19); // 2^22 bits
    this.byHash = new Map();
    for (const p of patterns) {
      const h = Matcher.hash(p.bytes.readUInt32LE(0), p.bytes.readUInt32LE(4));
      this.filter[h >>> 13] |= 1 << ((h >>> 10) & 7);
      const list = this.byHash.get(h);
      if (list) list.push(p);
      else this.byHash.set(h, [p]);
    }
  }

  static hash(lo, hi) {
    return (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ (hi >>> 15), 0x85ebca6b)) >>> 0;
  }

  /** Calls onHit(pattern, offset) for each match starting before `limit` (offsets plus `base`). */
  scan(buf, limit, base, onHit) {
    const last = Math.min(limit, buf.length - 8 + 1);
    if (last <= 0) return;
    let lo = buf.readUInt32LE(0);
    let hi = buf.readUInt32LE(4);
    for (let i = 0; ; ) {
      const h = Matcher.hash(lo, hi);
      if (this.filter[h >>> 13] & (1 << ((h >>> 10) & 7))) {
        for (const p of this.byHash.get(h) ?? []) {
          const n = p.bytes.length;
          if (i + n <= buf.length && buf.compare(p.bytes, 0, n, i, i + n) === 0) onHit(p, base + i);
        }
      }
      i++;
      if (i >= last) break;
      lo = (lo >>> 8) | ((hi & 0xff) << 24);
      hi = (hi >>> 8) | (buf[i + 7] << 24);
      lo >>>= 0;
      hi >>>= 0;
    }
  }

  /** Scans a file in chunks; a match across a chunk border is found once. */
  scanFile(path, onHit) {
    const fd = openSync(path, 'r');
    try {
      const carryLen = this.maxLen - 1;
      let carry = Buffer.alloc(0);
      let offset = 0; // file offset of carry[0]
      for (;;) {
        const chunk = Buffer.allocUnsafe(CHUNK);
        const n = readSync(fd, chunk, 0, CHUNK, null);
        const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        if (n === 0) {
          this.scan(buf, buf.length, offset, onHit);
          return;
        }
        // Starts that could still run into the next chunk wait for it.
        const limit = Math.max(0, buf.length - carryLen);
        this.scan(buf, limit, offset, onHit);
        carry = Buffer.from(buf.subarray(limit));
        offset += limit;
      }
    } finally {
      closeSync(fd);
    }
  }
}

// ---- main ---------------------------------------------------------------------

function main() {
  const args = process.argv.slice(2);
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) usage(`unexpected arguments: ${args.join(' ')}`);
  const target = resolve(args[0] ?? DEFAULT_TARGET);
  if (!existsSync(target) || !statSync(target).isDirectory()) {
    say(`${relative(process.cwd(), target) || target} does not exist: no test run left artifacts there (run vitest first)`);
    process.exit(1);
  }
  const files = walk(target);
  const notes = [];

  // Files that hold a secret by design, each skipped for its reason alone.
  const skipped = new Map(); // path -> reason
  for (const f of files) {
    // The list of secrets to look for.
    if (basename(f) === REGISTRY) skipped.set(f, 'the list of secrets itself');
  }
  const keys = homeKeys(files, target);
  for (const k of keys) {
    // A home's encryption key file is the key; Ferry makes it 0600. A key file
    // others can read is scanned like any file, so its own key is reported.
    if ((lstatSync(k.file).mode & 0o077) === 0) skipped.set(k.file, 'a home key file (0600)');
  }

  const byValue = new Map();
  for (const s of [...serverSecrets(notes), ...registeredSecrets(files)]) {
    if (s.value.length < MIN_LEN) {
      notes.push(`"${s.label}" is shorter than ${MIN_LEN} characters: not looked for`);
      continue;
    }
    if (!byValue.has(s.value)) byValue.set(s.value, s);
  }
  const secrets = [...byValue.values(), ...keys.map((k) => ({ label: k.label, bytes: k.bytes }))];
  const registries = files.filter((f) => basename(f) === REGISTRY).length;
  if (registries === 0) {
    say(`no ${REGISTRY} under ${relative(process.cwd(), target) || target}: not a test run's artifacts (vitest.config.ts's global setup makes it)`);
    process.exit(1);
  }
  if (process.env.FERRY_REQUIRE_S3 && !['', '0', 'false'].includes(process.env.FERRY_REQUIRE_S3.toLowerCase()) && !secrets.some((s) => s.label.startsWith('Ceph'))) {
    usage('FERRY_REQUIRE_S3 is set but the Ceph secret keys are nowhere (s3.env or S3_SECRET_KEY)');
  }

  const patterns = [];
  let maxForms = 0;
  for (const s of secrets) {
    const forms = formsOf(s);
    maxForms = Math.max(maxForms, forms.length);
    for (const [form, bytes] of forms) patterns.push({ label: s.label, form, bytes });
  }
  const matcher = new Matcher(patterns);

  const counts = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const hits = new Map(); // `${file}\0${label}\0${form}` -> {file, label, form, first, n}
  let scanned = 0;
  let bytes = 0;
  for (const f of files) {
    const rel = relative(target, f);
    const kind = kindOf(rel);
    if (kind) counts[kind]++;
    if (skipped.has(f)) continue;
    scanned++;
    bytes += statSync(f).size;
    matcher.scanFile(f, (p, at) => {
      const k = `${f}\0${p.label}\0${p.form}`;
      const hit = hits.get(k);
      if (hit) hit.n++;
      else hits.set(k, { file: rel, label: p.label, form: p.form, first: at, n: 1 });
    });
  }

  for (const h of hits.values()) {
    say(`FOUND ${h.label} (${h.form}) in ${h.file} at byte ${fmt(h.first)}${h.n > 1 ? ` (and ${fmt(h.n - 1)} more)` : ''}`);
  }
  for (const note of notes) say(`note: ${note}`);
  const why = new Map();
  for (const reason of skipped.values()) why.set(reason, (why.get(reason) ?? 0) + 1);
  if (why.size) say(`skipped: ${[...why].map(([reason, n]) => `${fmt(n)} × ${reason}`).join(', ')}`);
  const waived = (process.env.SECRETS_SCAN_ALLOW_MISSING ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const missing = KINDS.filter((k) => counts[k] === 0 && !waived.some((w) => k.startsWith(w)));
  say(`kinds: ${KINDS.map((k) => `${fmt(counts[k])} ${k}${counts[k] === 1 ? '' : 's'}`).join(', ')}`);
  say(
    `${fmt(scanned)} files, ${(bytes / 1e6).toFixed(1)} MB, ${fmt(secrets.length)} secrets × up to ${maxForms} forms ` +
      `(${fmt(patterns.length)} patterns), ${fmt(hits.size)} found`,
  );
  if (missing.length) {
    say(`no ${missing.join(', no ')} files: the tests did not leave their artifacts, so this scan proves nothing`);
  }
  process.exit(hits.size || missing.length ? 1 : 0);
}

main();
