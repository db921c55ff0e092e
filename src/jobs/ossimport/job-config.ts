import type { AddressInput, S3AddressInput } from '../../addresses/address-schema.js';
import { FerryError } from '../../core/index.js';
import type { ProviderName } from '../../stores/s3/providers.js';
import { parseSize } from '../../util/index.js';
import { MAX_PART_SIZE, type JobSpecInput } from '../job-spec.js';
import { parsePropertyEntries } from './properties.js';

/**
 * Turns an ossimport job (`conf/job.cfg`, optionally `conf/sys.properties`)
 * into a Ferry job and its two addresses. ossimport answered a missing key
 * with a NullPointerException; here every problem is one line naming the file
 * and the key, and everything Ferry does differently is a warning.
 *
 * Where the mapping had to choose:
 * - `isSkipExistFile` true and false both become overwrite `different` (see
 *   `copySettings`): that is what ossimport's size + LastModified check is.
 * - Incremental mode becomes a schedule of `UNTIL_STOPPED_RUNS` runs.
 * - The destination keys are required like the source's: ossimport needs
 *   them too, and a job that cannot write is better refused at import.
 * - An endpoint without a scheme gets `https://`.
 * - Keys with no effect on the result (`workingDir`, `javaHeapMaxSize`,
 *   `auditMode`, ...) are ignored silently; unknown keys too, unless they
 *   look like a typo of a known one.
 * - The job name comes from the caller, not from job.cfg's `jobName`
 *   (every shipped sample says `local_test`).
 */

type WithoutName<T> = T extends unknown ? Omit<T, 'name'> : never;

/** An address as `parseAddressInput` takes it, minus the name the caller picks. */
export type OssimportSource = WithoutName<AddressInput>;
export type OssimportDestination = Omit<S3AddressInput, 'name'>;

export interface OssimportImport {
  job: Omit<JobSpecInput, 'src' | 'dst'>;
  src: OssimportSource;
  /** Always OSS: ossimport only imports into OSS. */
  dst: OssimportDestination;
  /** One line each, naming the file and key. */
  warnings: string[];
}

export interface OssimportParseOptions {
  /** Decides whether a Windows path deserves a warning. @defaultValue process.platform */
  platform?: NodeJS.Platform;
}

export const SUPPORTED_SOURCE_TYPES = ['s3', 'oss', 'qiniu', 'cos', 'bos', 'ks3', 'local', 'http'] as const;

const CLOUD_PROVIDERS = {
  s3: 'aws',
  oss: 'oss',
  qiniu: 'kodo',
  cos: 'cos',
  bos: 'bos',
  ks3: 'ks3',
} as const satisfies Record<string, ProviderName>;

type CloudType = keyof typeof CLOUD_PROVIDERS;

/**
 * ossimport's incremental mode rescans until the job is stopped; the job
 * schedule is a run count. A million runs at ossimport's 15-minute minimum
 * is over 28 years: "until stopped", as a plain number every consumer of the
 * schedule already handles.
 */
export const UNTIL_STOPPED_RUNS = 1_000_000;

/** ossimport refuses shorter incremental intervals (job.cfg says so). */
const MIN_INCREMENTAL_SECONDS = 900;
/** What the shipped job.cfg sets when the key is left out. */
const DEFAULT_INCREMENTAL_SECONDS = 86_400;
const MiB = 1024 * 1024;

/**
 * Every key ossimport 2.x reads from either file (including the 2.1
 * `slave*` names renamed to `worker*` in 2.2): these are never warned about,
 * and an unknown key one or two edits away from one of them is.
 */
const KNOWN_KEYS = new Set([
  // job.cfg
  'jobName', 'jobType', 'srcType', 'srcAccessKey', 'srcSecretKey', 'srcDomain', 'srcBucket', 'srcPrefix',
  'destAccessKey', 'destSecretKey', 'destDomain', 'destBucket', 'destPrefix', 'appId', 'isDownloadFromCdn',
  'cdnDomain', 'httpListFilePath', 'httpPrefixColumn', 'relativePathColumn', 'importSince', 'lastModify',
  'isSkipExistFile', 'taskObjectCountLimit', 'taskObjectSizeLimit', 'scanThreadCount', 'maxMultiThreadScanDepth',
  'uploadThreadNumPerLargeFile', 'multipartUploadThreshold', 'multipartUploadPartSize', 'isServerSideEncryption',
  'isAllowSymbolicLink', 'getObjectMetaMode', 'isAuditAfterImport', 'auditMode', 'isIncremental',
  'incrementalModeInterval', 'isUseExpressTunnel', 'expressTunnelProxyHost', 'expressTunnelProxyType',
  'expressTunnelProxyUser', 'expressTunnelProxyDest', 'expressTunnelAuthToken',
  // sys.properties
  'workingDir', 'workerUserName', 'workerPassword', 'privateKeyFile', 'workerTaskThreadNum',
  'workerMaxThroughput(KB/s)', 'dispatcherThreadNum', 'workerAbortWhenUncatchedException', 'workerRecordMd5',
  'javaHeapMaxSize', 'slaveUserName', 'slavePassword', 'slaveTaskThreadNum', 'slaveMaxThroughput(KB/s)',
  'slaveAbortWhenUncatchedException', 'slaveRecordMd5',
]);

/**
 * ossimport's COS "region" (v4 short codes and the old XML-API names) to the
 * COS v5 region in `https://cos.<region>.myqcloud.com`. `tj` was the North
 * China zone in Tianjin, which v5 calls Beijing Zone 1.
 */
const COS_REGIONS = new Map<string, string>(Object.entries({
  gz: 'ap-guangzhou',
  sh: 'ap-shanghai',
  tj: 'ap-beijing-1',
  bj: 'ap-beijing',
  cd: 'ap-chengdu',
  cq: 'ap-chongqing',
  hk: 'ap-hongkong',
  sgp: 'ap-singapore',
  'cn-south': 'ap-guangzhou',
  'cn-east': 'ap-shanghai',
  'cn-north': 'ap-beijing-1',
  'cn-southwest': 'ap-chengdu',
  sg: 'ap-singapore',
}));

const WINDOWS_PATH = /^(?:[A-Za-z]:[\\/]|\\\\)/;

export function parseOssimportJob(
  jobCfgText: string,
  sysPropertiesText: string | undefined,
  jobName: string,
  options: OssimportParseOptions = {},
): OssimportImport {
  const warnings: string[] = [];
  const cfg = new ConfigFile('job.cfg', jobCfgText, warnings);
  const sys = new ConfigFile('sys.properties', sysPropertiesText ?? '', warnings);
  const platform = options.platform ?? process.platform;

  const jobType = cfg.text('jobType')?.toLowerCase() ?? 'import';
  if (jobType === 'audit') {
    throw cfg.error('jobType', 'audit jobs are not imported (Ferry verifies every object as it copies it); use jobType=import');
  }
  if (jobType !== 'import') throw cfg.error('jobType', `must be import or audit (got ${JSON.stringify(jobType)})`);

  const src = sourceAddress(cfg, platform, warnings);
  const dst = destinationAddress(cfg, warnings);
  const job: Omit<JobSpecInput, 'src' | 'dst'> = {
    name: jobName,
    copy: copySettings(cfg, sys, warnings),
    tasks: taskSettings(cfg, warnings),
    throttle: throttleSettings(sys),
  };
  const schedule = scheduleSettings(cfg, warnings);
  if (schedule) job.schedule = schedule;
  unmappedWarnings(cfg, sys, src.type === 'local', warnings);
  return { job, src, dst, warnings };
}

function sourceAddress(cfg: ConfigFile, platform: NodeJS.Platform, warnings: string[]): OssimportSource {
  const type = cfg.required('srcType').toLowerCase();
  if (type === 'local') {
    const path = cfg.required('srcPrefix');
    windowsPathWarning(cfg, 'srcPrefix', path, platform, warnings);
    return { type: 'local', path, prefix: '' };
  }
  if (type === 'http') {
    const list = cfg.required('httpListFilePath');
    requireColumn(cfg, 'httpPrefixColumn', 1);
    requireColumn(cfg, 'relativePathColumn', 2);
    windowsPathWarning(cfg, 'httpListFilePath', list, platform, warnings);
    return { type: 'http-list', list, prefix: '' };
  }
  if (!Object.hasOwn(CLOUD_PROVIDERS, type)) {
    throw cfg.error('srcType', `${JSON.stringify(type)} is not supported (supported: ${SUPPORTED_SOURCE_TYPES.join(', ')})`);
  }
  return cloudSource(cfg, type as CloudType, warnings);
}

function cloudSource(cfg: ConfigFile, type: CloudType, warnings: string[]): OssimportSource {
  const provider = CLOUD_PROVIDERS[type];
  const accessKeyId = cfg.keyId('srcAccessKey');
  const secretAccessKey = cfg.required('srcSecretKey');
  let prefix = cfg.raw('srcPrefix') ?? '';
  let endpoint: string;
  let bucket = cfg.bucket('srcBucket');
  if (type === 'cos') {
    endpoint = cosEndpoint(cfg);
    bucket = cosBucket(cfg, bucket, warnings);
    // COS v4 paths began with `/`; v5 keys do not.
    if (prefix.startsWith('/')) {
      warnings.push(`job.cfg: srcPrefix: leading "/" dropped (COS v5 keys do not start with "/")`);
      prefix = prefix.replace(/^\/+/, '');
    }
  } else {
    endpoint = cfg.endpoint('srcDomain', cfg.required('srcDomain'));
  }
  if (type === 'qiniu' && !/^s3-[a-z0-9-]+\.qiniucs\.com$/.test(new URL(endpoint).hostname)) {
    warnings.push(
      `job.cfg: srcDomain: ${endpoint} is a Qiniu download domain; Ferry reads Kodo through its S3 API, ` +
        'whose endpoint is https://s3-<region>.qiniucs.com (e.g. https://s3-cn-east-1.qiniucs.com): change the source address before running',
    );
  }
  const region = regionOf(provider, endpoint);
  return {
    type: 's3',
    provider,
    endpoint,
    bucket,
    prefix,
    ...(region === undefined ? {} : { region }),
    accessKeyId,
    secretAccessKey,
  };
}

/** ossimport's COS srcDomain is a region (v4) or empty (v3); a v5 endpoint URL is taken as is. */
function cosEndpoint(cfg: ConfigFile): string {
  const given = cfg.text('srcDomain');
  if (given === undefined) {
    throw cfg.missing('srcDomain', "for srcType=cos, the bucket's region, e.g. sh or ap-shanghai");
  }
  if (given.includes('.') || given.includes('://')) return cfg.endpoint('srcDomain', given);
  const lower = given.toLowerCase();
  const region = COS_REGIONS.get(lower) ?? (/^(?:ap|na|eu|sa)-[a-z0-9-]+$/.test(lower) ? lower : undefined);
  if (region !== undefined) return `https://cos.${region}.myqcloud.com`;
  throw cfg.error(
    'srcDomain',
    `${JSON.stringify(given)} is not a COS region (use a region such as ap-guangzhou, or one of ${[...COS_REGIONS.keys()].join(', ')})`,
  );
}

/** COS v5 bucket names carry the APPID: `name-1250000000`. */
function cosBucket(cfg: ConfigFile, bucket: string, warnings: string[]): string {
  const appId = cfg.wholeNumber('appId', 0);
  if (appId !== undefined && appId > 0) {
    return bucket.endsWith(`-${appId}`) ? bucket : `${bucket}-${appId}`;
  }
  if (!/-\d+$/.test(bucket)) {
    warnings.push('job.cfg: srcBucket: COS v5 bucket names end with -<APPID>; set appId or write the full bucket name');
  }
  return bucket;
}

function requireColumn(cfg: ConfigFile, key: string, expected: number): void {
  const column = cfg.wholeNumber(key, 1);
  if (column !== undefined && column !== expected) {
    throw cfg.error(
      key,
      `must be ${expected}: Ferry reads the URL prefix from the first column and the relative path from the second (got ${column})`,
    );
  }
}

function windowsPathWarning(cfg: ConfigFile, key: string, path: string, platform: NodeJS.Platform, warnings: string[]): void {
  if (platform !== 'win32' && WINDOWS_PATH.test(path)) {
    warnings.push(`${cfg.file}: ${key}: ${path} is a Windows path; change the source address to where the data is on this machine`);
  }
}

function destinationAddress(cfg: ConfigFile, warnings: string[]): OssimportDestination {
  const endpoint = cfg.endpoint('destDomain', cfg.required('destDomain'));
  const bucket = cfg.bucket('destBucket');
  let prefix = cfg.raw('destPrefix') ?? '';
  if (prefix.startsWith('/')) {
    warnings.push('job.cfg: destPrefix: leading "/" dropped (OSS keys cannot start with "/")');
    prefix = prefix.replace(/^\/+/, '');
  }
  const accessKeyId = cfg.keyId('destAccessKey');
  const secretAccessKey = cfg.required('destSecretKey');
  const region = regionOf('oss', endpoint);
  return {
    type: 's3',
    provider: 'oss',
    endpoint,
    bucket,
    prefix,
    ...(region === undefined ? {} : { region }),
    accessKeyId,
    secretAccessKey,
  };
}

/** The signing region a provider's endpoint names, when it names one. */
function regionOf(provider: ProviderName, endpoint: string): string | undefined {
  const host = new URL(endpoint).hostname.toLowerCase();
  const patterns: Partial<Record<ProviderName, RegExp>> = {
    aws: /^s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/,
    oss: /^(?:s3\.)?(oss-[a-z]{2}-[a-z]+(?:-\d+)?)(?:-internal)?\.aliyuncs\.com$/,
    kodo: /^s3-([a-z0-9-]+)\.qiniucs\.com$/,
    cos: /^cos\.([a-z0-9-]+)\.myqcloud\.com$/,
    bos: /^(?:s3\.)?([a-z0-9]+)\.bcebos\.com$/,
  };
  if (provider === 'aws' && (host === 's3.amazonaws.com' || host === 's3-external-1.amazonaws.com')) return 'us-east-1';
  return patterns[provider]?.exec(host)?.[1];
}

function copySettings(cfg: ConfigFile, sys: ConfigFile, warnings: string[]): NonNullable<JobSpecInput['copy']> {
  const copy: NonNullable<JobSpecInput['copy']> = {};
  // ossimport's "skip existing" compares size and LastModified, which is
  // what `different` does when checksums cannot be compared (and it compares
  // them when they can). Its "always overwrite" ends in the same state, so
  // `different` again: unchanged objects are just not sent twice. `never`
  // would keep a stale destination object forever.
  cfg.boolean('isSkipExistFile');
  copy.overwrite = 'different';

  const since = cfg.wholeNumber('importSince', 0);
  if (since !== undefined && since > 0) {
    if (since >= 1e11) throw cfg.error('importSince', `must be unix seconds; ${since} looks like milliseconds`);
    copy.sinceMs = since * 1000;
  }
  const threadsKey = sys.pick('workerTaskThreadNum', 'slaveTaskThreadNum');
  const threads = sys.wholeNumber(threadsKey, 1);
  if (threads !== undefined) copy.concurrency = clamp(sys, threadsKey, threads, 4096, warnings);
  const partThreads = cfg.wholeNumber('uploadThreadNumPerLargeFile', 1);
  if (partThreads !== undefined) copy.partConcurrency = clamp(cfg, 'uploadThreadNumPerLargeFile', partThreads, 256, warnings);

  // The shipped samples keep these in job.cfg; 2.2.4 also reads them as system properties.
  const thresholdFile = cfg.has('multipartUploadThreshold') ? cfg : sys;
  const threshold = thresholdFile.size('multipartUploadThreshold');
  if (threshold !== undefined) copy.multipartThreshold = threshold;
  const partFile = cfg.has('multipartUploadPartSize') ? cfg : sys;
  const partSize = partFile.size('multipartUploadPartSize');
  if (partSize !== undefined) {
    if (partSize < MiB) {
      warnings.push(`${partFile.file}: multipartUploadPartSize: raised to 1 MiB, the smallest part Ferry uploads`);
    }
    if (partSize > MAX_PART_SIZE) {
      warnings.push(`${partFile.file}: multipartUploadPartSize: lowered to 5 GiB, the largest part S3 providers take`);
    }
    copy.partSize = Math.min(Math.max(partSize, MiB), MAX_PART_SIZE);
  }
  return copy;
}

function taskSettings(cfg: ConfigFile, warnings: string[]): NonNullable<JobSpecInput['tasks']> {
  const tasks: NonNullable<JobSpecInput['tasks']> = {};
  const maxObjects = cfg.wholeNumber('taskObjectCountLimit', 1);
  if (maxObjects !== undefined) tasks.maxObjects = maxObjects;
  const maxBytes = cfg.size('taskObjectSizeLimit');
  if (maxBytes !== undefined) tasks.maxBytes = maxBytes;
  const scanThreads = cfg.wholeNumber('scanThreadCount', 1);
  if (scanThreads !== undefined) tasks.listConcurrency = clamp(cfg, 'scanThreadCount', scanThreads, 64, warnings);
  const depth = cfg.wholeNumber('maxMultiThreadScanDepth', 0);
  if (depth !== undefined) tasks.listDepth = clamp(cfg, 'maxMultiThreadScanDepth', depth, 8, warnings);
  return tasks;
}

function throttleSettings(sys: ConfigFile): NonNullable<JobSpecInput['throttle']> {
  const key = sys.pick('workerMaxThroughput(KB/s)', 'slaveMaxThroughput(KB/s)');
  const kbPerSecond = sys.wholeNumber(key, 0);
  // 0 is ossimport's "no limit".
  return kbPerSecond ? { bwlimit: String(kbPerSecond * 1024) } : {};
}

function scheduleSettings(cfg: ConfigFile, warnings: string[]): JobSpecInput['schedule'] {
  if (cfg.boolean('isIncremental') !== true) return undefined;
  let seconds = cfg.wholeNumber('incrementalModeInterval', 1) ?? DEFAULT_INCREMENTAL_SECONDS;
  if (seconds < MIN_INCREMENTAL_SECONDS) {
    warnings.push(`job.cfg: incrementalModeInterval: raised to ${MIN_INCREMENTAL_SECONDS} seconds, ossimport's minimum`);
    seconds = MIN_INCREMENTAL_SECONDS;
  }
  return { every: seconds * 1000, times: UNTIL_STOPPED_RUNS };
}

/** Settings Ferry has no equivalent for, when they change what ends up in OSS. */
function unmappedWarnings(cfg: ConfigFile, sys: ConfigFile, local: boolean, warnings: string[]): void {
  if (cfg.boolean('isUseExpressTunnel')) {
    warnings.push('job.cfg: isUseExpressTunnel: ignored; Ferry connects to the endpoints directly');
  }
  if (cfg.boolean('isServerSideEncryption')) {
    warnings.push('job.cfg: isServerSideEncryption: ignored; turn on default encryption for the destination bucket instead');
  }
  if (local && cfg.boolean('isAllowSymbolicLink') !== true) {
    warnings.push('job.cfg: isAllowSymbolicLink: Ferry copies the files that symlinks point to (symlinked folders are skipped)');
  }
  const md5Key = sys.pick('workerRecordMd5', 'slaveRecordMd5');
  if (sys.boolean(md5Key)) {
    warnings.push(`sys.properties: ${md5Key}: ignored; Ferry writes no x-oss-meta-md5 (it verifies each copy with CRC64 or MD5)`);
  }
}

function clamp(file: ConfigFile, key: string, value: number, max: number, warnings: string[]): number {
  if (value <= max) return value;
  warnings.push(`${file.file}: ${key}: ${value} lowered to ${max}, Ferry's maximum`);
  return max;
}

/** One parsed file with typed, key-naming accessors. */
class ConfigFile {
  private readonly values = new Map<string, string>();
  /** Known key -> unknown key found in the file that is probably its misspelling. */
  private readonly typos = new Map<string, string>();

  constructor(
    readonly file: string,
    text: string,
    warnings: string[],
  ) {
    const lines = new Map<string, number>();
    for (const { key, value, line } of parsePropertyEntries(text)) {
      // `=value` or `: value`: Java would read a key "", whatever was meant.
      if (key === '') {
        throw new FerryError('USAGE', `${file}: line ${line}: has no key before its value ${JSON.stringify(value)}`, { field: `line ${line}`, fatal: true });
      }
      const earlier = lines.get(key);
      if (earlier !== undefined) {
        warnings.push(`${file}: ${key} is set on lines ${earlier} and ${line}; the last one wins, as in ossimport`);
      }
      lines.set(key, line);
      this.values.set(key, value);
    }
    for (const key of this.values.keys()) {
      if (KNOWN_KEYS.has(key)) continue;
      const near = nearestKnownKey(key);
      if (near === undefined) continue;
      this.typos.set(near, key);
      warnings.push(`${file}: unknown key ${JSON.stringify(key)} ignored (did you mean ${near}?)`);
    }
  }

  has(key: string): boolean {
    return this.text(key) !== undefined;
  }

  /** The first of `keys` that is set, else the first (for messages). */
  pick(...keys: [string, ...string[]]): string {
    return keys.find((k) => this.has(k)) ?? keys[0];
  }

  /** The value as written (trailing blanks already gone); undefined when absent. */
  raw(key: string): string | undefined {
    return this.values.get(key);
  }

  /** The trimmed value; undefined when absent or empty, as ossimport treats `key=`. */
  text(key: string): string | undefined {
    const value = this.values.get(key)?.trim();
    return value === '' ? undefined : value;
  }

  required(key: string): string {
    const value = this.text(key);
    if (value === undefined) throw this.missing(key);
    return value;
  }

  missing(key: string, hint?: string): FerryError {
    const typo = this.typos.get(key);
    const notes = [hint, typo === undefined ? undefined : `is ${JSON.stringify(typo)} a typo?`].filter(Boolean);
    const message = `${this.file}: missing ${key}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    return new FerryError('USAGE', message, { field: key, fatal: true });
  }

  error(key: string, message: string): FerryError {
    return new FerryError('USAGE', `${this.file}: ${key}: ${message}`, { field: key, fatal: true });
  }

  wholeNumber(key: string, min: number): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw this.error(key, `must be a whole number (got ${JSON.stringify(value)})`);
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw this.error(key, `${value} is too large`);
    if (n < min) throw this.error(key, `must be at least ${min} (got ${n})`);
    return n;
  }

  /** Bytes, or ossimport's `50m` / `1g` forms (1024-based). */
  size(key: string): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    let bytes: number;
    try {
      bytes = parseSize(value, key);
    } catch {
      throw this.error(key, `must be a size in bytes, or with k, m or g (got ${JSON.stringify(value)})`);
    }
    if (bytes < 1) throw this.error(key, `must be at least 1 byte (got ${JSON.stringify(value)})`);
    return bytes;
  }

  boolean(key: string): boolean | undefined {
    const value = this.text(key)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw this.error(key, `must be true or false (got ${JSON.stringify(this.text(key))})`);
    return value === 'true';
  }

  endpoint(key: string, given: string): string {
    // ossimport's SDKs took bare host names; https is what every provider serves.
    const url = (/^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}`).replace(/\/+$/, '');
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname || parsed.search || parsed.hash) {
      throw this.error(key, `must be an http(s) URL (got ${JSON.stringify(given)})`);
    }
    return url;
  }

  bucket(key: string): string {
    const given = this.required(key);
    // job.cfg says "no /", and people add one anyway.
    const bucket = given.replace(/^\/+|\/+$/g, '');
    if (bucket === '' || /[/\s\p{Cc}]/u.test(bucket)) {
      throw this.error(key, `must be a bucket name without / or spaces (got ${JSON.stringify(given)})`);
    }
    return bucket;
  }

  keyId(key: string): string {
    const value = this.required(key);
    if (/\s/.test(value)) throw this.error(key, 'must not contain spaces');
    return value;
  }
}

function nearestKnownKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of KNOWN_KEYS) {
    const d = editDistance(key, known);
    if (d >= 1 && d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; keys are short, so the plain two-row table is enough. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
