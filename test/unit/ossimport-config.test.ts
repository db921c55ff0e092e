import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddressInput } from '../../src/addresses/index.js';
import { FerryError } from '../../src/core/index.js';
import { jobSpecSchema } from '../../src/jobs/job-spec.js';
import {
  parseOssimportJob,
  parseProperties,
  parsePropertyEntries,
  serializeProperties,
  UNTIL_STOPPED_RUNS,
  type OssimportImport,
} from '../../src/jobs/ossimport/index.js';

// Byte-exact copies of the job.cfg files ossimport 2.3 ships (conf/<type>/job.cfg;
// blob/ is srcType=azure, et/ the Express Connect variant) and of a sys.properties.
function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/ossimport/${path}`, import.meta.url), 'utf8');
}
const SYS = fixture('sys.properties');
const cfg = (type: string): string => fixture(`${type}/job.cfg`);

/** Sets (or with undefined removes) one `key=value` line, appending it when absent. */
function withKey(text: string, key: string, value: string | undefined): string {
  const line = new RegExp(`^${key.replace(/[()/]/g, '\\$&')}=.*$`, 'm');
  const replacement = value === undefined ? '' : `${key}=${value}`;
  return line.test(text) ? text.replace(line, () => replacement) : `${text}\n${replacement}\n`;
}

function parse(text: string, sys: string | undefined = SYS, platform: NodeJS.Platform = 'linux'): OssimportImport {
  return parseOssimportJob(text, sys, 'imported', { platform });
}

/** The one-line USAGE error a parse gives. */
function errorOf(text: string, sys: string | undefined = SYS): string {
  try {
    parse(text, sys);
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('USAGE');
    expect((err as FerryError).message).not.toContain('\n');
    return (err as FerryError).message;
  }
  throw new Error('expected a usage error');
}

const SUPPORTED = 's3, oss, qiniu, cos, bos, ks3, local, http';
const MiB = 1024 * 1024;

/** What every shipped sample sets outside the addresses (and sys.properties adds). */
const SAMPLE_JOB = {
  name: 'imported',
  copy: { overwrite: 'different', concurrency: 60, partConcurrency: 3, multipartThreshold: 150 * MiB, partSize: 50 * MiB },
  tasks: { maxObjects: 10_000, maxBytes: 1_000_000_000, listConcurrency: 1, listDepth: 1 },
  throttle: { bwlimit: String(100_000_000 * 1024) },
};

const OSS_DEST = {
  type: 's3',
  provider: 'oss',
  endpoint: 'http://oss-cn-hangzhou-internal.aliyuncs.com',
  bucket: 'mybucket',
  prefix: 'docs/',
  region: 'oss-cn-hangzhou',
  accessKeyId: 'Jwd1******nMnZBs',
  secretAccessKey: 'ir8Qt*****jwh5b0eF******xM5QE',
};

describe('parseProperties', () => {
  it('reads key=value lines, skips # and ! comments, trims trailing blanks', () => {
    const map = parseProperties('# comment\n! also a comment\n  a=1  \nb = two words \t\nc=\n\n#d=4\n');
    expect([...map]).toEqual([
      ['a', '1'],
      ['b', 'two words'],
      ['c', ''],
    ]);
  });

  it('keeps parentheses and slashes in keys, and : or a blank as separators', () => {
    const map = parseProperties('workerMaxThroughput(KB/s)=100\nx:1\ny 2\nurl=http://h:80/p\n');
    expect(map.get('workerMaxThroughput(KB/s)')).toBe('100');
    expect(map.get('x')).toBe('1');
    expect(map.get('y')).toBe('2');
    expect(map.get('url')).toBe('http://h:80/p');
  });

  it('joins a line ending in \\ with the next, dropping its indentation; not for comments', () => {
    const map = parseProperties('a=one \\\n    two\n# note \\\nb=3\nlast=x\\');
    expect(map.get('a')).toBe('one two');
    expect(map.get('b')).toBe('3');
    expect(map.get('last')).toBe('x');
  });

  it('decodes \\uXXXX and keeps every other backslash literally', () => {
    const map = parseProperties('name=\\u4e03\\u725b\nwin=c:\\example\\data\\\nnext=1\nunc=\\\\server\\share\\\nmixed=a\\tb\n');
    expect(map.get('name')).toBe('七牛');
    // A Windows path's trailing backslash is the path's, not a continuation.
    expect(map.get('win')).toBe('c:\\example\\data\\');
    expect(map.get('next')).toBe('1');
    expect(map.get('unc')).toBe('\\\\server\\share\\');
    expect(map.get('mixed')).toBe('a\\tb');
  });

  it('accepts CRLF, lone CR and a byte-order mark; a later key wins', () => {
    const map = parseProperties('\uFEFFa=1\r\nb=2\rc=3\r\na=4\r\n');
    expect([...map]).toEqual([
      ['a', '4'],
      ['b', '2'],
      ['c', '3'],
    ]);
    expect(parsePropertyEntries('x=1\n\n# c\ny=2\\\n z').map((e) => e.line)).toEqual([1, 4]);
  });

  it('reads back whatever serializeProperties wrote (keys and values without line breaks)', () => {
    // Arbitrary text, and text made of exactly what the reader treats specially.
    const special = fc.constantFrom('=', ':', ' ', '\t', '\f', '#', '!', '\\', 'u', '0', 'c', '/', '\u3000', '\uFEFF', '七');
    const text = fc
      .oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: special, maxLength: 12 }))
      .filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(text, text), { selector: ([k]) => k, maxLength: 12 }), (pairs) => {
        expect(parseProperties(serializeProperties(pairs))).toEqual(new Map(pairs));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the characters the reader treats specially', () => {
    const pairs: [string, string][] = [
      ['', ''],
      [' #key: = ! ', ' value with edges\t'],
      ['k', '\\'],
      ['k2', 'c:\\u0041\\'],
      ['k3', '=:#!'],
      ['k4', '\u3000全角\u3000'],
    ];
    expect(parseProperties(serializeProperties(pairs))).toEqual(new Map(pairs));
  });
});

describe('parseOssimportJob on the shipped samples', () => {
  it('s3: an aws source with the region from its endpoint, and every job setting', () => {
    const r = parse(cfg('s3'));
    expect(r.src).toEqual({
      type: 's3',
      provider: 'aws',
      endpoint: 'http://s3.us-east-1.amazonaws.com',
      bucket: 'mybucket',
      prefix: 'docs/',
      region: 'us-east-1',
      accessKeyId: 'AKIAJT******AW7PMBRA',
      secretAccessKey: 'AbzV******3XWVtOSQmwIyw6rzGJn******OkJn',
    });
    expect(r.dst).toEqual(OSS_DEST);
    // The s3 sample asks for 10000 scan threads.
    expect(r.job).toEqual({ ...SAMPLE_JOB, tasks: { ...SAMPLE_JOB.tasks, listConcurrency: 64 } });
    expect(r.warnings).toEqual(["job.cfg: scanThreadCount: 10000 lowered to 64, Ferry's maximum"]);
  });

  it('oss: bucket to bucket, with its own prefixes', () => {
    const r = parse(cfg('oss'));
    expect(r.src).toEqual({ ...OSS_DEST, prefix: 'src/' });
    expect(r.dst).toEqual({ ...OSS_DEST, prefix: 'dest/' });
    expect(r.job).toEqual(SAMPLE_JOB);
    expect(r.warnings).toEqual([]);
  });

  it('qiniu: kodo, with a warning that the download domain is not the S3 endpoint', () => {
    const r = parse(cfg('qiniu'));
    expect(r.src).toEqual({
      type: 's3',
      provider: 'kodo',
      endpoint: 'http://mybucket.u.qiniudn.com',
      bucket: 'mybucket',
      prefix: 'docs/',
      accessKeyId: 'SW-LSdyko******MzK7WiFqd-icx6******6hx2q',
      secretAccessKey: 'QbywDRe******bfF5QcaZ******q3I-4Fv3Xeh_g',
    });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^job\.cfg: srcDomain: .*https:\/\/s3-<region>\.qiniucs\.com/);
    const s3Endpoint = parse(withKey(cfg('qiniu'), 'srcDomain', 'https://s3-cn-east-1.qiniucs.com'));
    expect(s3Endpoint.src).toMatchObject({ endpoint: 'https://s3-cn-east-1.qiniucs.com', region: 'cn-east-1' });
    expect(s3Endpoint.warnings).toEqual([]);
  });

  it('cos: a v4 region code becomes the v5 endpoint, the bucket gets its APPID, the v4 leading / goes', () => {
    const r = parse(cfg('cos'));
    expect(r.src).toEqual({
      type: 's3',
      provider: 'cos',
      endpoint: 'https://cos.ap-shanghai.myqcloud.com',
      bucket: 'mybucket-1252883280',
      prefix: 'docs/',
      region: 'ap-shanghai',
      accessKeyId: 'AKID******6ZEBKUn6D3mSJFMZ******GA1g',
      secretAccessKey: 'dQ8g******bWn6jInD7vYz******341m',
    });
    expect(r.warnings).toEqual(['job.cfg: srcPrefix: leading "/" dropped (COS v5 keys do not start with "/")']);
  });

  it('cos: other region forms, APPIDs and a missing region', () => {
    const cos = cfg('cos');
    const endpointFor = (domain: string): unknown => (parse(withKey(cos, 'srcDomain', domain)).src as { endpoint: string }).endpoint;
    expect(endpointFor('gz')).toBe('https://cos.ap-guangzhou.myqcloud.com');
    expect(endpointFor('tj')).toBe('https://cos.ap-beijing-1.myqcloud.com');
    expect(endpointFor('SGP')).toBe('https://cos.ap-singapore.myqcloud.com');
    expect(endpointFor('ap-nanjing')).toBe('https://cos.ap-nanjing.myqcloud.com');
    expect(endpointFor('cos.ap-chengdu.myqcloud.com')).toBe('https://cos.ap-chengdu.myqcloud.com');
    expect(errorOf(withKey(cos, 'srcDomain', 'xx'))).toMatch(/^job\.cfg: srcDomain: "xx" is not a COS region \(use a region such as ap-guangzhou/);
    expect(errorOf(withKey(cos, 'srcDomain', ''))).toBe(
      "job.cfg: missing srcDomain (for srcType=cos, the bucket's region, e.g. sh or ap-shanghai)",
    );
    const suffixed = parse(withKey(cos, 'srcBucket', 'mybucket-1252883280'));
    expect(suffixed.src).toMatchObject({ bucket: 'mybucket-1252883280' });
    const noAppId = parse(withKey(cos, 'appId', '0'));
    expect(noAppId.src).toMatchObject({ bucket: 'mybucket' });
    expect(noAppId.warnings).toContain('job.cfg: srcBucket: COS v5 bucket names end with -<APPID>; set appId or write the full bucket name');
    expect(errorOf(withKey(cos, 'appId', 'abc'))).toBe('job.cfg: appId: must be a whole number (got "abc")');
  });

  it('bos and ks3 map to their providers', () => {
    const bos = parse(cfg('bos'));
    expect(bos.src).toMatchObject({ type: 's3', provider: 'bos', endpoint: 'http://bj.bcebos.com', bucket: 'mybucket', region: 'bj' });
    // This sample's destination is an odd host whose region is not guessed.
    expect(bos.dst).toMatchObject({ provider: 'oss', endpoint: 'http://oss-cn-hangzhou-zmf.aliyuncs.com' });
    expect(bos.dst).not.toHaveProperty('region');
    const ks3 = parse(withKey(withKey(cfg('bos'), 'srcType', 'ks3'), 'srcDomain', 'http://ks3-cn-beijing.ksyun.com'));
    expect(ks3.src).toMatchObject({ type: 's3', provider: 'ks3', endpoint: 'http://ks3-cn-beijing.ksyun.com', bucket: 'mybucket' });
  });

  it('local: the folder is srcPrefix; a Windows path is warned about off Windows only', () => {
    const r = parse(cfg('local'));
    expect(r.src).toEqual({ type: 'local', path: 'D:/work/oss/data/', prefix: '' });
    expect(r.dst).toEqual({ ...OSS_DEST, endpoint: 'http://oss-cn-hangzhou-zmf.aliyuncs.com', region: undefined });
    expect(r.warnings).toEqual([
      'job.cfg: srcPrefix: D:/work/oss/data/ is a Windows path; change the source address to where the data is on this machine',
      'job.cfg: isAllowSymbolicLink: Ferry copies the files that symlinks point to (symlinked folders are skipped)',
    ]);
    expect(parse(cfg('local'), SYS, 'win32').warnings).toHaveLength(1);
  });

  it('local with Windows backslashes: kept as written, and the trailing \\ does not eat the next key', () => {
    const text = cfg('local').replace(/^srcPrefix=.*$/m, 'srcPrefix=c:\\example\\\ndestPrefix=after/');
    const r = parse(text, SYS, 'win32');
    expect(r.src).toEqual({ type: 'local', path: 'c:\\example\\', prefix: '' });
    // The later destPrefix=docs/ line still wins over the inserted one.
    expect(r.warnings[0]).toMatch(/^job\.cfg: destPrefix is set on lines \d+ and \d+; the last one wins/);
  });

  it('et: the Express Connect options are warned about; the job is a local one', () => {
    const r = parse(cfg('et'));
    expect(r.src).toEqual({ type: 'local', path: '/home/user/oss/data/', prefix: '' });
    expect(r.job.tasks).toEqual({ maxObjects: 5, maxBytes: 1_000_000_000, listConcurrency: 1, listDepth: 1 });
    expect(r.warnings).toContain('job.cfg: isUseExpressTunnel: ignored; Ferry connects to the endpoints directly');
  });

  it('http: an http-list source from httpListFilePath; other column layouts are refused', () => {
    const http = withKey(cfg('s3'), 'srcType', 'http');
    const r = parse(http, SYS, 'win32');
    expect(r.src).toEqual({ type: 'http-list', list: 'c:/example/http.list', prefix: '' });
    expect(errorOf(withKey(http, 'httpPrefixColumn', '2'))).toBe(
      'job.cfg: httpPrefixColumn: must be 1: Ferry reads the URL prefix from the first column and the relative path from the second (got 2)',
    );
    expect(errorOf(withKey(http, 'relativePathColumn', '3'))).toMatch(/^job\.cfg: relativePathColumn: must be 2: /);
    expect(errorOf(withKey(http, 'httpListFilePath', undefined))).toBe('job.cfg: missing httpListFilePath');
  });

  it('youpai and azure (blob) are refused with one line', () => {
    expect(errorOf(cfg('youpai'))).toBe(`job.cfg: srcType: "youpai" is not supported (supported: ${SUPPORTED})`);
    expect(errorOf(cfg('blob'))).toBe(`job.cfg: srcType: "azure" is not supported (supported: ${SUPPORTED})`);
  });

  it('gives a valid job spec and valid addresses for every supported sample', () => {
    for (const type of ['s3', 'oss', 'qiniu', 'cos', 'bos', 'local', 'et']) {
      const r = parse(cfg(type));
      expect(() => jobSpecSchema.parse({ ...r.job, src: 'src', dst: 'dst' })).not.toThrow();
      expect(() => parseAddressInput({ name: 'dst', ...r.dst })).not.toThrow();
      if (r.src.type === 's3') expect(() => parseAddressInput({ name: 'src', ...r.src })).not.toThrow();
    }
  });
});

describe('parseOssimportJob on edited samples', () => {
  const s3 = cfg('s3');

  it('names a missing or empty required key, and the file', () => {
    expect(errorOf(withKey(s3, 'destBucket', undefined))).toBe('job.cfg: missing destBucket');
    expect(errorOf(withKey(s3, 'destBucket', ''))).toBe('job.cfg: missing destBucket');
    expect(errorOf(withKey(s3, 'srcType', undefined))).toBe('job.cfg: missing srcType');
    expect(errorOf(withKey(s3, 'destDomain', '  '))).toBe('job.cfg: missing destDomain');
    expect(errorOf(withKey(s3, 'srcSecretKey', ''))).toBe('job.cfg: missing srcSecretKey');
    expect(errorOf(withKey(cfg('local'), 'srcPrefix', ''))).toBe('job.cfg: missing srcPrefix');
  });

  it('reads a misspelt required key as missing, and says which key looks like it', () => {
    const typo = s3.replace(/^destBucket=/m, 'destBuckt=');
    expect(errorOf(typo)).toBe('job.cfg: missing destBucket (is "destBuckt" a typo?)');
  });

  it('warns about a likely typo of an optional key, not about unknown keys', () => {
    const r = parse(withKey(withKey(s3, 'auditMode', undefined), 'auditMod', 'simple') + 'legacyOption=1\n');
    expect(r.warnings).toContain('job.cfg: unknown key "auditMod" ignored (did you mean auditMode?)');
    expect(r.warnings.join('\n')).not.toContain('legacyOption');
  });

  it('refuses malformed numbers, sizes and booleans, naming the key', () => {
    expect(errorOf(withKey(s3, 'taskObjectCountLimit', 'abc'))).toBe('job.cfg: taskObjectCountLimit: must be a whole number (got "abc")');
    expect(errorOf(withKey(s3, 'taskObjectCountLimit', '-1'))).toBe('job.cfg: taskObjectCountLimit: must be a whole number (got "-1")');
    expect(errorOf(withKey(s3, 'taskObjectCountLimit', '0'))).toBe('job.cfg: taskObjectCountLimit: must be at least 1 (got 0)');
    expect(errorOf(withKey(s3, 'multipartUploadThreshold', 'big'))).toBe(
      'job.cfg: multipartUploadThreshold: must be a size in bytes, or with k, m or g (got "big")',
    );
    expect(errorOf(withKey(s3, 'isSkipExistFile', 'yes'))).toBe('job.cfg: isSkipExistFile: must be true or false (got "yes")');
    expect(errorOf(withKey(s3, 'importSince', '1700000000000'))).toBe(
      'job.cfg: importSince: must be unix seconds; 1700000000000 looks like milliseconds',
    );
    expect(errorOf(s3, withKey(SYS, 'workerTaskThreadNum', 'many'))).toBe('sys.properties: workerTaskThreadNum: must be a whole number (got "many")');
  });

  it('refuses an unknown srcType, audit jobs and bad endpoints or buckets', () => {
    expect(errorOf(withKey(s3, 'srcType', 'ftp'))).toBe(`job.cfg: srcType: "ftp" is not supported (supported: ${SUPPORTED})`);
    expect(errorOf(withKey(s3, 'jobType', 'audit'))).toMatch(/^job\.cfg: jobType: audit jobs are not imported/);
    expect(errorOf(withKey(s3, 'srcDomain', 'ftp://example.com'))).toBe('job.cfg: srcDomain: must be an http(s) URL (got "ftp://example.com")');
    expect(errorOf(withKey(s3, 'destBucket', 'a/b'))).toBe('job.cfg: destBucket: must be a bucket name without / or spaces (got "a/b")');
  });

  it('reads CRLF files and keys in any order the same', () => {
    const expected = parse(s3);
    expect(parse(s3.replace(/\n/g, '\r\n'))).toEqual(expected);
    expect(parse(s3.split('\n').reverse().join('\n'))).toEqual(expected);
    expect(parse(s3, SYS.split('\n').reverse().join('\r\n'))).toEqual(expected);
  });

  it('maps incremental mode to a schedule that runs until stopped', () => {
    const inc = withKey(withKey(s3, 'isIncremental', 'true'), 'incrementalModeInterval', '3600');
    expect(parse(inc).job.schedule).toEqual({ every: 3_600_000, times: UNTIL_STOPPED_RUNS });
    const short = parse(withKey(inc, 'incrementalModeInterval', '60'));
    expect(short.job.schedule).toEqual({ every: 900_000, times: UNTIL_STOPPED_RUNS });
    expect(short.warnings).toContain("job.cfg: incrementalModeInterval: raised to 900 seconds, ossimport's minimum");
    expect(parse(s3).job.schedule).toBeUndefined();
  });

  it('maps importSince, isSkipExistFile, the part size floor and the scan depth', () => {
    expect(parse(withKey(s3, 'importSince', '1700000000')).job.copy?.sinceMs).toBe(1_700_000_000_000);
    expect(parse(s3).job.copy).not.toHaveProperty('sinceMs');
    // Both ossimport modes end with the destination equal to the source; see job-config.ts.
    expect(parse(withKey(s3, 'isSkipExistFile', 'true')).job.copy?.overwrite).toBe('different');
    expect(parse(withKey(s3, 'isSkipExistFile', 'false')).job.copy?.overwrite).toBe('different');
    const small = parse(withKey(s3, 'multipartUploadPartSize', '500k'));
    expect(small.job.copy?.partSize).toBe(MiB);
    expect(small.warnings).toContain('job.cfg: multipartUploadPartSize: raised to 1 MiB, the smallest part Ferry uploads');
    expect(parse(withKey(s3, 'taskObjectSizeLimit', '2g')).job.tasks?.maxBytes).toBe(2 * 1024 ** 3);
    expect(parse(withKey(s3, 'maxMultiThreadScanDepth', '3')).job.tasks?.listDepth).toBe(3);
    const deep = parse(withKey(s3, 'maxMultiThreadScanDepth', '20'));
    expect(deep.job.tasks?.listDepth).toBe(8);
    expect(deep.warnings).toContain("job.cfg: maxMultiThreadScanDepth: 20 lowered to 8, Ferry's maximum");
  });

  it('reads sys.properties: threads, throughput (0 is no limit), 2.1 slave* names; works without it', () => {
    expect(parse(s3, withKey(SYS, 'workerMaxThroughput(KB/s)', '100')).job.throttle).toEqual({ bwlimit: '102400' });
    expect(parse(s3, withKey(SYS, 'workerMaxThroughput(KB/s)', '0')).job.throttle).toEqual({});
    const old = 'slaveTaskThreadNum=8\nslaveMaxThroughput(KB/s)=10\n';
    expect(parse(s3, old).job).toMatchObject({ copy: { concurrency: 8 }, throttle: { bwlimit: '10240' } });
    const bare = parseOssimportJob(s3, undefined, 'imported', { platform: 'linux' });
    expect(bare.job.copy).not.toHaveProperty('concurrency');
    expect(bare.job.throttle).toEqual({});
    expect(parse(s3, withKey(SYS, 'workerRecordMd5', 'true')).warnings).toContain(
      'sys.properties: workerRecordMd5: ignored; Ferry writes no x-oss-meta-md5 (it verifies each copy with CRC64 or MD5)',
    );
  });

  it('drops a leading / from destPrefix and adds https to a bare endpoint host', () => {
    const r = parse(withKey(withKey(s3, 'destPrefix', '/backup/'), 'destDomain', 'oss-cn-beijing.aliyuncs.com'));
    expect(r.dst).toMatchObject({ prefix: 'backup/', endpoint: 'https://oss-cn-beijing.aliyuncs.com', region: 'oss-cn-beijing' });
    expect(r.warnings).toContain('job.cfg: destPrefix: leading "/" dropped (OSS keys cannot start with "/")');
  });
});
