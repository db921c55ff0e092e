// Property tests of the parsers that read what users write, beyond the
// round trips in ossimport-config.test.ts and rate-schedule.test.ts: on any
// input at all each one either gives a result the rest of Ferry accepts, or
// throws one FerryError (USAGE, naming the field, one line). Never a
// TypeError, a RangeError or a result that fails later.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddressInput } from '../../src/addresses/index.js';
import { FerryError } from '../../src/core/index.js';
import { formatRateSchedule, parseRateSchedule, type RateKind } from '../../src/engine/throttle/index.js';
import { parseCron } from '../../src/jobs/cron.js';
import { jobSpecSchema, MAX_PART_SIZE } from '../../src/jobs/job-spec.js';
import { parseOssimportJob, parseProperties, serializeProperties } from '../../src/jobs/ossimport/index.js';
import { parseDuration, parseRate, parseSince, parseSize } from '../../src/util/index.js';

const GOOD_CFG = readFileSync(new URL('../fixtures/bad-input/job-cfg/good.cfg', import.meta.url), 'utf8');
const GOOD_SYS = readFileSync(new URL('../fixtures/bad-input/sys/good.properties', import.meta.url), 'utf8');

/** Runs `fn`; returns its result, or the FerryError it threw after checking it is a one-line usage error. */
function resultOrUsage<T>(fn: () => T, field: string | RegExp): { ok: true; value: T } | { ok: false; error: FerryError } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(FerryError);
    const e = err as FerryError;
    expect(e.code).toBe('USAGE');
    expect(e.message).not.toMatch(/[\r\n]/);
    if (typeof field === 'string') {
      expect(e.field).toBe(field);
      expect(e.message.startsWith(`${field}: `)).toBe(true);
    } else {
      expect(e.message).toMatch(field);
    }
    return { ok: false, error: e };
  }
}

/** Text near what people type into these fields, and arbitrary text. */
const typed = (alphabet: string[]): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 40 }), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }));

describe('ossimport job.cfg / sys.properties', () => {
  const KEYS = [
    'srcType', 'srcAccessKey', 'srcSecretKey', 'srcDomain', 'srcBucket', 'srcPrefix', 'destAccessKey', 'destSecretKey', 'destDomain',
    'destBucket', 'destPrefix', 'jobType', 'importSince', 'isSkipExistFile', 'taskObjectCountLimit', 'taskObjectSizeLimit',
    'scanThreadCount', 'maxMultiThreadScanDepth', 'multipartUploadThreshold', 'multipartUploadPartSize', 'uploadThreadNumPerLargeFile',
    'isIncremental', 'incrementalModeInterval', 'appId', 'httpListFilePath', 'httpPrefixColumn', 'relativePathColumn',
  ];
  const SYS_KEYS = ['workerTaskThreadNum', 'workerMaxThroughput(KB/s)', 'slaveTaskThreadNum', 'workerRecordMd5', 'multipartUploadPartSize'];
  const value = typed(['0', '1', '9', '-', '.', 'k', 'm', 'g', 'true', 'false', 'http://', 'https://', 'oss', 's3', 'cos', 'local', 'http', '/', ' ', 'a', 'Z', '中', '\\', 'c:', '=', '#']);
  /** One edit of a file's text: a key set to a value, a key removed, or a raw line added. */
  const edit = (keys: string[]) =>
    fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...keys), value }),
      fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...keys) }),
      fc.record({ kind: fc.constant('line' as const), line: fc.string({ maxLength: 30 }) }),
    );
  type Edit = { kind: 'set'; key: string; value: string } | { kind: 'drop'; key: string } | { kind: 'line'; line: string };

  function apply(text: string, edits: Edit[]): string {
    let out = text;
    for (const e of edits) {
      const line = e.kind === 'line' ? undefined : new RegExp(`^${e.key.replace(/[()/]/g, '\\$&')}=.*$`, 'm');
      if (e.kind === 'line') out += `\n${e.line}\n`;
      else if (e.kind === 'drop') out = out.replace(line!, '');
      // serializeProperties writes the value so that it reads back exactly.
      else out = `${out.replace(line!, '')}\n${serializeProperties([[e.key, e.value]])}`;
    }
    return out;
  }

  it('any edit of a valid job either imports into a valid job and addresses, or is one usage error naming the file', () => {
    fc.assert(
      fc.property(fc.array(edit(KEYS), { maxLength: 4 }), fc.array(edit(SYS_KEYS), { maxLength: 2 }), (cfgEdits, sysEdits) => {
        const r = resultOrUsage(() => parseOssimportJob(apply(GOOD_CFG, cfgEdits), apply(GOOD_SYS, sysEdits), 'imported', { platform: 'linux' }), /^(job\.cfg|sys\.properties): /);
        if (!r.ok) {
          expect(r.error.field).toBeTruthy();
          return;
        }
        const { job, src, dst, warnings } = r.value;
        // What the import accepts, the job and address schemas accept too: nothing fails later.
        expect(() => jobSpecSchema.parse({ ...job, src: 'src', dst: 'dst' })).not.toThrow();
        expect(() => parseAddressInput({ name: 'dst', ...dst })).not.toThrow();
        if (src.type === 's3') expect(() => parseAddressInput({ name: 'src', ...src })).not.toThrow();
        for (const w of warnings) expect(w).toMatch(/^(job\.cfg|sys\.properties): [^\r\n]*$/);
      }),
      { numRuns: 1500 },
    );
  });

  it('settings written with any valid values come back as those values', () => {
    const prefix = fc.string({ unit: 'binary', maxLength: 20 }).filter((p) => !p.startsWith('/') && p.trim() === p && !/[\p{Cc}\u2028\u2029\uFEFF]/u.test(p));
    const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,30}[a-z0-9]$/);
    fc.assert(
      fc.property(
        fc.record({
          srcBucket: bucket,
          destBucket: bucket,
          srcPrefix: prefix,
          destPrefix: prefix,
          importSince: fc.integer({ min: 1, max: 99_999_999_999 }),
          taskObjectCountLimit: fc.integer({ min: 1, max: 10_000_000 }),
          taskObjectSizeLimit: fc.integer({ min: 1, max: 2 ** 50 }),
          partMiB: fc.integer({ min: 1, max: 5 * 1024 }),
          threads: fc.integer({ min: 1, max: 4096 }),
          kbps: fc.integer({ min: 1, max: 10_000_000 }),
        }),
        (v) => {
          const cfg = new Map(parseProperties(GOOD_CFG));
          for (const key of ['srcBucket', 'destBucket', 'srcPrefix', 'destPrefix', 'importSince', 'taskObjectCountLimit', 'taskObjectSizeLimit'] as const) cfg.set(key, String(v[key]));
          cfg.set('multipartUploadPartSize', `${v.partMiB}m`);
          const sys = serializeProperties([['workerTaskThreadNum', String(v.threads)], ['workerMaxThroughput(KB/s)', String(v.kbps)]]);
          const r = parseOssimportJob(serializeProperties(cfg), sys, 'imported', { platform: 'linux' });
          expect(r.src).toMatchObject({ bucket: v.srcBucket, prefix: v.srcPrefix });
          expect(r.dst).toMatchObject({ bucket: v.destBucket, prefix: v.destPrefix });
          expect(r.job.copy).toMatchObject({ sinceMs: v.importSince * 1000, partSize: v.partMiB * 1024 * 1024, concurrency: v.threads });
          expect(r.job.tasks).toMatchObject({ maxObjects: v.taskObjectCountLimit, maxBytes: v.taskObjectSizeLimit });
          expect(r.job.throttle).toEqual({ bwlimit: String(v.kbps * 1024) });
          expect(r.job.copy?.partSize).toBeLessThanOrEqual(MAX_PART_SIZE);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('parseProperties never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.constantFrom('a', '=', ':', ' ', '\t', '\\', 'u', '0', 'F', '\n', '\r', '#', '!'), maxLength: 60 })), (text) => {
        const map = parseProperties(text);
        for (const [k, v] of map) {
          expect(typeof k).toBe('string');
          expect(v).toBe(v.trimEnd());
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('time-of-day throttle tables', () => {
  /** Tables that are nearly right: hours to 25, minutes to 61, rates good and bad, in any order. */
  const entry = fc.tuple(
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 61 }),
    fc.constantFrom('10M', '1.5G', '100Mbit/s', '200', '0.5', 'off', '5MiB/s', '1k', '0', '10X', '', '-1'),
  );
  const nearTable = fc
    .tuple(fc.array(entry, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.constantFrom(' ', ';', ' ; '))
    .map(([entries, sorted, sep]) =>
      (sorted ? [...entries].sort((a, b) => a[0] * 100 + a[1] - (b[0] * 100 + b[1])) : entries).map(([h, m, rate]) => `${h}:${String(m).padStart(2, '0')},${rate}`).join(sep),
    );
  const tableText = fc.oneof(nearTable, nearTable, typed(['0', '1', '2', '3', '5', '9', ':', ',', ' ', ';', 'M', 'k', 'G', 'B', 'i', '/s', 'bit', 'off', '.', '-', '00:00,', '08:00,', '24:00,', '10M']));
  const kind = fc.constantFrom<RateKind>('bytes', 'objects');

  it('any text is a schedule that formats and parses back the same, or one usage error naming the flag', () => {
    fc.assert(
      fc.property(tableText, kind, (text, k) => {
        const r = resultOrUsage(() => parseRateSchedule(text, '--bwlimit', k), '--bwlimit');
        if (!r.ok) return;
        const s = r.value;
        expect(s.slots.length).toBeGreaterThan(0);
        for (const [i, slot] of s.slots.entries()) {
          expect(Number.isInteger(slot.start) && slot.start >= 0 && slot.start < 24 * 60).toBe(true);
          if (i > 0) expect(slot.start).toBeGreaterThan(s.slots[i - 1]!.start);
          if (slot.rate !== undefined) expect(Number.isFinite(slot.rate) && slot.rate > 0).toBe(true);
        }
        expect(parseRateSchedule(formatRateSchedule(s), '--bwlimit', k).slots).toEqual(s.slots);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the other flag parsers', () => {
  const numberish = typed(['0', '1', '5', '9', '.', '-', '+', 'e', ' ', 'k', 'K', 'm', 'M', 'g', 'G', 'i', 'B', 'b', 'bit', 'ps', '/s', 'T', 'Z', ':', 'h', 'd', 's']);

  it('sizes: a whole number of bytes or one usage error', () => {
    fc.assert(
      fc.property(numberish, (text) => {
        const r = resultOrUsage(() => parseSize(text, '--part-size'), '--part-size');
        if (r.ok) expect(Number.isSafeInteger(r.value) && r.value >= 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('rates: a positive finite number of bytes per second or one usage error', () => {
    fc.assert(
      fc.property(numberish, (text) => {
        const r = resultOrUsage(() => parseRate(text, '--per-worker'), '--per-worker');
        if (r.ok) expect(Number.isFinite(r.value) && r.value > 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('times and durations: a finite number of ms or one usage error', () => {
    fc.assert(
      fc.property(numberish, (text) => {
        const since = resultOrUsage(() => parseSince(text, '--since'), '--since');
        if (since.ok) expect(Number.isSafeInteger(since.value)).toBe(true);
        const every = resultOrUsage(() => parseDuration(text, '--every'), '--every');
        if (every.ok) expect(Number.isFinite(every.value) && every.value >= 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('cron expressions: parsed or one usage error', () => {
    const cronText = typed(['*', '/', ',', '-', ' ', '0', '1', '5', '7', '12', '23', '31', '59', '60', 'MON', 'jan', '?', 'L']);
    fc.assert(
      fc.property(cronText, (text) => {
        resultOrUsage(() => parseCron(text, '--cron'), '--cron');
      }),
      { numRuns: 2000 },
    );
  });
});
