// Turns measurements into the stdout tables and docs/benchmarks.md.
import type { BenchConfig } from './config.js';
import type { Datasets } from './datasets.js';
import type { Machine } from './machine.js';
import { medianOf } from './measure.js';
import type { ContenderResult, Scenario, ScenarioResult } from './scenarios.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface Row {
  scenario: Scenario;
  label: string;
  tool: 'ferry' | 'rclone';
  runs: number;
  wallS: number;
  cpuS: number;
  userS: number;
  sysS: number;
  rssMiB: number;
  serverCpuS: number | undefined;
  otherCpuS: number | undefined;
  /** objects/s or MiB/s. */
  throughput: number;
  /** CPU ms per object (objects), or CPU s per GiB (bytes). */
  cpuPerUnit: number;
}

export interface Ratio {
  scenario: Scenario;
  vs: string;
  /** Ferry throughput / rclone throughput (= rclone wall / Ferry wall). */
  speedup: number;
  /** Ferry wall / rclone wall. */
  timeRatio: number;
  /** Ferry CPU / rclone CPU for the same work, i.e. per object. */
  cpuRatio: number;
  rssRatio: number;
  /** Target checks that apply (none for informational scenarios). */
  checks: { what: string; ok: boolean; text: string }[];
}

export function toRow(sc: Scenario, r: ContenderResult): Row {
  const m = medianOf(r.runs);
  const ds = sc.dataset;
  return {
    scenario: sc,
    label: r.contender.label,
    tool: r.contender.tool,
    runs: r.runs.length,
    wallS: m.wallS,
    cpuS: m.cpuS,
    userS: m.userS,
    sysS: m.sysS,
    rssMiB: m.maxRssKiB / 1024,
    serverCpuS: m.serverCpuS,
    otherCpuS: m.otherCpuS,
    throughput: sc.unit === 'bytes' ? ds.bytes / MiB / m.wallS : ds.count / m.wallS,
    cpuPerUnit: sc.unit === 'bytes' ? m.cpuS / (ds.bytes / GiB) : (m.cpuS * 1000) / ds.count,
  };
}

export function ratios(rows: Row[]): Ratio[] {
  const out: Ratio[] = [];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  for (const sc of scenarios) {
    const mine = rows.filter((r) => r.scenario === sc);
    const ferry = mine.find((r) => r.tool === 'ferry');
    if (!ferry) continue;
    for (const other of mine.filter((r) => r.tool === 'rclone')) {
      const speedup = other.wallS / ferry.wallS;
      const timeRatio = ferry.wallS / other.wallS;
      const cpuRatio = ferry.cpuS / other.cpuS;
      const checks: Ratio['checks'] = [];
      const t = sc.targets;
      if (!sc.info) {
        if (t.minSpeedup !== undefined) {
          checks.push({ what: 'throughput', ok: speedup >= t.minSpeedup, text: `Ferry throughput ≥ ${t.minSpeedup}× rclone` });
        }
        if (t.maxTimeRatio !== undefined) {
          checks.push({ what: 'time', ok: timeRatio <= t.maxTimeRatio, text: `Ferry time ≤ ${t.maxTimeRatio}× rclone` });
        }
        if (t.maxCpuRatio !== undefined) {
          checks.push({ what: 'cpu', ok: cpuRatio <= t.maxCpuRatio, text: `Ferry CPU per object ≤ ${t.maxCpuRatio === 1 ? '' : `${t.maxCpuRatio}× `}rclone's` });
        }
      }
      out.push({ scenario: sc, vs: other.label, speedup, timeRatio, cpuRatio, rssRatio: ferry.rssMiB / other.rssMiB, checks });
    }
  }
  return out;
}

const f = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const num = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function table(head: string[], body: string[][]): string {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of body) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

export function resultsTable(rows: Row[]): string {
  const server = rows.some((r) => r.serverCpuS !== undefined);
  const other = rows.some((r) => r.otherCpuS !== undefined);
  return table(
    [
      'Scenario', 'Tool', 'Wall s', 'Throughput', 'Client CPU s (user+sys)', 'CPU per object', 'CPU cores busy', 'Peak RSS MiB',
      ...(server ? ['Ceph CPU s'] : []),
      ...(other ? ['Other CPU s'] : []),
    ],
    rows.map((r) => {
      const bytes = r.scenario.unit === 'bytes';
      return [
        `(${r.scenario.id})${r.scenario.info ? ' info' : ''}`,
        r.label,
        f(r.wallS),
        r.scenario.id === 's' ? '—' : bytes ? `${num(r.throughput)} MiB/s` : `${num(r.throughput)} objects/s`,
        `${f(r.cpuS)} (${f(r.userS)}+${f(r.sysS)})`,
        bytes ? `${f(r.cpuPerUnit)} s/GiB` : `${f(r.cpuPerUnit, 3)} ms`,
        f(r.cpuS / r.wallS),
        f(r.rssMiB, 0),
        ...(server ? [r.serverCpuS === undefined ? '-' : f(r.serverCpuS)] : []),
        ...(other ? [r.otherCpuS === undefined ? '-' : f(r.otherCpuS)] : []),
      ];
    }),
  );
}

function mark(ok: boolean | undefined): string {
  return ok === undefined ? '' : ok ? ' ✅' : ' ❌';
}

export function ratiosTable(rs: Ratio[]): string {
  return table(
    ['Scenario', 'Ferry vs', 'Throughput ×', 'Wall time ×', 'CPU per object ×', 'Peak RSS ×', 'Targets'],
    rs.map((r) => {
      const c = (w: string): boolean | undefined => r.checks.find((x) => x.what === w)?.ok;
      const targets = r.scenario.info
        ? 'info only'
        : r.checks.map((x) => `${x.text}${mark(x.ok)}`).join('; ');
      return [
        `(${r.scenario.id})`,
        r.vs,
        `${f(r.speedup)}${mark(c('throughput'))}`,
        `${f(r.timeRatio)}${mark(c('time'))}`,
        `${f(r.cpuRatio)}${mark(c('cpu'))}`,
        f(r.rssRatio),
        targets,
      ];
    }),
  );
}

/** One honest sentence per missed target. */
export function misses(rs: Ratio[], rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rs) {
    for (const c of r.checks.filter((x) => !x.ok)) {
      const ferry = rows.find((x) => x.scenario === r.scenario && x.tool === 'ferry')!;
      const other = rows.find((x) => x.scenario === r.scenario && x.label === r.vs)!;
      const s = `(${r.scenario.id}) ${r.scenario.title}, vs ${r.vs}: target "${c.text}" missed`;
      if (c.what === 'throughput') {
        out.push(`${s}: Ferry is ${f(r.speedup)}× rclone's throughput (${num(ferry.throughput)} vs ${num(other.throughput)} ${r.scenario.unit === 'bytes' ? 'MiB/s' : 'objects/s'}).`);
      } else if (c.what === 'time') {
        out.push(`${s}: Ferry took ${f(ferry.wallS)} s, ${f(r.timeRatio)}× rclone's ${f(other.wallS)} s.`);
      } else {
        const unit = r.scenario.unit === 'bytes' ? 's per GiB' : 'ms per object';
        out.push(`${s}: Ferry used ${f(ferry.cpuPerUnit, 3)} CPU ${unit}, ${f(r.cpuRatio)}× rclone's ${f(other.cpuPerUnit, 3)}.`);
      }
    }
  }
  return out;
}

/** Observations derived from the numbers only (nothing guessed beyond them). */
export function observations(rows: Row[], cpuCount: number, disturbedShare = 0.25): string[] {
  const out: string[] = [];
  const find = (id: string, tool: 'ferry' | 'rclone'): Row | undefined =>
    rows.find((r) => r.scenario.id === id && r.tool === tool && (tool === 'ferry' || !r.label.includes('default')));
  const fs = find('s', 'ferry');
  const rs = find('s', 'rclone');
  if (fs && rs) {
    out.push(
      `Fixed cost of one run (s): Ferry ${f(fs.wallS)} s wall, ${f(fs.cpuS)} s CPU, ${f(fs.rssMiB, 0)} MiB RSS; ` +
        `rclone ${f(rs.wallS)} s, ${f(rs.cpuS)} s CPU, ${f(rs.rssMiB, 0)} MiB. It is included in every figure above.`,
    );
    for (const id of ['a', 'b', 'd0', 'd']) {
      const fr = find(id, 'ferry');
      const rr = find(id, 'rclone');
      if (!fr || !rr || fr.scenario.unit !== 'objects') continue;
      const n = fr.scenario.dataset.count;
      const fw = fr.wallS - fs.wallS;
      const rw = rr.wallS - rs.wallS;
      const fc = ((fr.cpuS - fs.cpuS) * 1000) / n;
      const rc = ((rr.cpuS - rs.cpuS) * 1000) / n;
      if (fw <= 0 || rw <= 0) continue;
      out.push(
        `(${id}) without the fixed cost: Ferry ${num(n / fw)} objects/s and ${f(fc, 3)} CPU ms per object, ` +
          `rclone${rr.label === 'rclone' ? '' : ` (${rr.label.replace(/^rclone\s*/, '')})`} ${num(n / rw)} objects/s and ${f(rc, 3)} ms: ` +
          `throughput ×${f(rw / fw)}, CPU per object ×${f(fc / rc)}.`,
      );
    }
  }
  for (const id of ['a', 'b', 'c', 'd0']) {
    const fr = find(id, 'ferry');
    const rr = find(id, 'rclone');
    if (!fr || !rr || fr.serverCpuS === undefined || rr.serverCpuS === undefined) continue;
    const bytes = fr.scenario.unit === 'bytes';
    const per = bytes ? fr.scenario.dataset.bytes / 2 ** 30 : fr.scenario.dataset.count / 1000;
    const unit = bytes ? 's per GiB' : 'ms per object';
    const busy = (r: Row): number => (r.cpuS + (r.serverCpuS ?? 0) + (r.otherCpuS ?? 0)) / (r.wallS * cpuCount);
    const both = (r: Row): string => `${f((r.cpuS + (r.serverCpuS ?? 0)) / per)} (client ${f(r.cpuS / per)} + Ceph ${f((r.serverCpuS ?? 0) / per)})`;
    const saturated = busy(fr) >= 0.85 && busy(rr) >= 0.85;
    out.push(
      `(${id}) client + Ceph CPU, ${unit}: Ferry ${both(fr)}, rclone ${both(rr)}; the machine was ` +
        `${f(busy(fr) * 100, 0)}% / ${f(busy(rr) * 100, 0)}% busy during the Ferry / rclone run` +
        (saturated ? ', i.e. CPU-bound: client and server share the CPUs, so throughput follows this total.' : '.'),
    );
  }
  for (const r of rows) {
    if (r.otherCpuS !== undefined && r.otherCpuS > disturbedShare * r.wallS * cpuCount) {
      out.push(
        `(${r.scenario.id}) ${r.label}: other work on the machine used ${f(r.otherCpuS)} CPU s during this ` +
          `${f(r.wallS)} s run (${f((100 * r.otherCpuS) / (r.wallS * cpuCount), 0)}% of the machine): this figure is disturbed.`,
      );
    }
  }
  for (const r of rows.filter((x) => x.tool === 'ferry' && x.scenario.id !== 's')) {
    const cores = r.cpuS / r.wallS;
    if (cores >= 0.85) {
      out.push(
        `(${r.scenario.id}) Ferry kept ${f(cores)} CPU cores busy (of ${cpuCount}, shared with the Ceph server): ` +
          `its single JavaScript thread is close to saturated, so this scenario is bound by Ferry's own CPU per object.`,
      );
    }
  }
  return out;
}

export function shellQuote(arg: string): string {
  return arg === '' ? "''" : /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Command line for the report: `node bin/ferry.js …` rather than absolute paths. */
export function displayCommand(cmd: string[], repoRoot: string): string {
  return cmd
    .map((a, i) => (i === 0 && a === process.execPath ? 'node' : a.startsWith(`${repoRoot}/`) ? a.slice(repoRoot.length + 1) : a))
    .map(shellQuote)
    .join(' ');
}

export interface DocInput {
  date: Date;
  machine: Machine;
  cfg: BenchConfig;
  datasets: Datasets;
  results: ScenarioResult[];
  rows: Row[];
  ratios: Ratio[];
  rssFloorMiB: number;
  totalS: number;
  repoRoot: string;
  ferryAddressExample: string;
}

export function markdown(d: DocInput): string {
  const { cfg, machine: m } = d;
  const missed = misses(d.ratios, d.rows);
  const obs = observations(d.rows, m.cpuCount, cfg.disturbedShare);
  const redone = d.results.flatMap((r) => r.results.filter((c) => c.redone > 0).map((c) => `(${r.scenario.id}) ${c.contender.label} ×${c.redone}`));
  const full = cfg.smallCount === 5000 && cfg.rerunCount === 20000 && cfg.bigBytes === GiB;
  const cmdLines: string[] = [];
  for (const r of d.results) {
    for (const c of r.results) cmdLines.push(`# (${r.scenario.id}) ${c.contender.label}`, displayCommand(c.command, d.repoRoot));
  }
  const lines = [
    '# Benchmarks: Ferry vs rclone',
    '',
    `Generated by \`npm run bench\` (bench/run.ts) on ${d.date.toISOString().replace(/\.\d+Z$/, 'Z')}` +
      `${full ? '' : ' — **a reduced-size run** (BENCH_SMALL/BENCH_RERUN/BENCH_BIG_MIB were set), not the full benchmark'}.` +
      ` Each figure is the median of ${cfg.repeat} run${cfg.repeat === 1 ? '' : 's'} (BENCH_REPEAT=${cfg.repeat}); the whole benchmark took ${f(d.totalS / 60, 1)} min.`,
    '',
    'Both tools copy the same data on the same Ceph RADOS Gateway, with the same concurrency',
    `(${cfg.concurrency} objects in flight; for the big object ${cfg.partSize / MiB} MiB parts, ${cfg.partConcurrency} in flight).`,
    'Ferry always keeps metadata, so rclone runs with `-M` (`--metadata`).',
    '',
    '## Results',
    '',
    resultsTable(d.rows),
    '',
    '"Client CPU" is user + system time of the tool\'s process and its children; "CPU cores busy" is that divided by wall time.',
    '"Ceph CPU" is the CPU time the local Ceph daemons (radosgw, OSD, mon) used during the run: the work the tool made the server do.',
    '"Other CPU" is what everything else on the machine used meanwhile (busy time from /proc/stat minus the two above):',
    'near 0 means the run had the machine to itself; a large value means other work competed for the CPUs.',
    `Peak RSS includes a floor of about ${f(d.rssFloorMiB, 0)} MiB from the measuring wrapper (what \`true\` shows under it).`,
    '',
    '## Ferry / rclone',
    '',
    ratiosTable(d.ratios),
    '',
    'Throughput × > 1 and wall time × < 1 mean Ferry is faster; CPU × < 1 means Ferry uses less client CPU for the same objects.',
    'Targets: (a)(b)(c) Ferry throughput ≥ 1.2× rclone; (d) Ferry time ≤ 0.5× rclone; client CPU per object ≤ rclone\'s.',
    '(s) is a copy of one 4 KiB object, i.e. what a run costs before any real work (process start-up, opening the',
    'stores, the listings); (d0) is the first copy that fills the destinations for (d). Both are shown for',
    'information, with no target.',
    '',
    '## Missed targets',
    '',
    ...(missed.length ? missed.map((s) => `- ${s}`) : ['None: every target was met in this run.']),
    ...(obs.length ? ['', 'Observations (computed from the figures above):', '', ...obs.map((s) => `- ${s}`)] : []),
    '',
    'Caveat: the Ceph server (mon, OSD with an in-memory store, RGW) runs on the same machine and shares its',
    `${m.cpuCount} CPUs with the client, so client CPU spent by one tool also slows the server it is waiting on;`,
    'absolute numbers are far from a real cluster\'s, the ratios are what this benchmark is for.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpuCount} × ${m.cpuModel}; RAM ${m.memGiB} GiB; Linux ${m.kernel}`,
    `- Node ${m.node}; Ferry ${m.ferry} (commit ${m.commit}, built by \`npm run build\`)`,
    `- ${m.rclone}`,
    `- ${m.ceph}: single-node test cluster from scripts/ceph-up.sh (1 mon, 1 memstore OSD, RGW on ${'`'}beast${'`'}), same machine, plain HTTP on 127.0.0.1`,
    '',
    '## What was run',
    '',
    'Datasets (random bytes, uploaded with the AWS SDK by the benchmark into buckets of user 1, keys spread over 10 prefixes `…/dNN/`):',
    '',
    `- one: ${d.datasets.one.label} — scenario (s)`,
    `- small: ${d.datasets.small.label} — scenarios (a) and (b)`,
    `- big: ${d.datasets.big.label} (uploaded as ${cfg.partSize / MiB} MiB parts) — scenario (c)`,
    `- rerun: ${d.datasets.rerun.label} — scenarios (d0) and (d)`,
    '',
    'Scenarios:',
    '',
    ...d.results.map((r) => `- (${r.scenario.id}) ${r.scenario.title}`),
    '',
    '- Streamed scenarios copy from a bucket of user 1 to a bucket of user 2: user 1 cannot write there and user 2 cannot',
    '  read the source, so neither tool can copy server-side; every byte goes through the client.',
    '  rclone gets two remotes (`bu1:` with user 1\'s keys, `bu2:` with user 2\'s); server-side copy across remotes is',
    '  off by default (`--server-side-across-configs` not given). Ferry gets one address per bucket; it copies',
    '  server-side only when both addresses share endpoint and access key.',
    '- (b) uses user 1 for both buckets: rclone one remote, Ferry two addresses with the same keys, so both copy server-side.',
    '- Every measured copy in (s), (a), (b), (c) and (d0) goes into a fresh, empty bucket created just before it and deleted after it.',
    '- (d): each tool re-runs over the destination it filled itself in (d0). Ferry\'s default `--overwrite different`',
    '  compares size and checksum (ETag) from the listings; rclone\'s equivalent is `--checksum`, which is the primary',
    '  comparison. rclone\'s default (size + modification time, which reads each object\'s mtime metadata with a HEAD',
    '  request) is shown as well.',
    '- Verification: after every run the tool must exit 0 and report the expected counts (Ferry\'s `--json` summary:',
    '  copied/skipped/failed; rclone\'s final JSON stats: transfers/checks/errors), and the destination is listed with the',
    '  AWS SDK: its object count and total bytes must equal the dataset\'s. A broken run aborts the benchmark.',
    `- Order: (s) Ferry first, (a) rclone first, (b) Ferry first, (c) rclone first, (d0) Ferry first, (d) rclone --checksum, Ferry,`,
    '  rclone default; with BENCH_REPEAT=N each further repetition reverses the previous order, so neither tool',
    '  always runs against a warmer server.',
    '- Shared machine: before each measured run the benchmark waits (up to BENCH_QUIET_MAX_S, default 300 s) until the',
    '  whole machine is below 20% busy over one second; a run during which other work still used more than',
    `  ${f(cfg.disturbedShare * 100, 0)}% of the machine ("Other CPU") is thrown away and redone, up to BENCH_REDO (default 2) times.`,
    `  Redone in this run: ${redone.length ? redone.join(', ') : 'none'}.`,
    '- Measurement: each command runs under bench/rusage.py (python3): wall time around the child,',
    '  `getrusage(RUSAGE_CHILDREN)` after it exits for user+sys CPU seconds and peak RSS (`ru_maxrss`).',
    '  Process start-up (Node loading Ferry; the rclone binary) is included for both.',
    '',
    'Exact commands (bucket names of this run; secrets come from the environment and are never on the command line):',
    '',
    '```sh',
    '# Ferry: FERRY_HOME=<temporary folder>; one address per bucket, named like the bucket, with its owner\'s keys;',
    '# BENCH_FERRY_SECRET_1/2=<user 1/2 secret> in the environment',
    d.ferryAddressExample,
    '# rclone: no config file; remotes from the environment (unset AWS_CA_BUNDLE: rclone refuses to start with it)',
    ...[1, 2].flatMap((u) => [
      `RCLONE_CONFIG_BU${u}_TYPE=s3 RCLONE_CONFIG_BU${u}_PROVIDER=Ceph RCLONE_CONFIG_BU${u}_ENDPOINT=<S3_ENDPOINT> RCLONE_CONFIG_BU${u}_REGION=<S3_REGION> \\`,
      `  RCLONE_CONFIG_BU${u}_FORCE_PATH_STYLE=true RCLONE_CONFIG_BU${u}_ACCESS_KEY_ID=<user ${u} key> RCLONE_CONFIG_BU${u}_SECRET_ACCESS_KEY=<user ${u} secret>`,
    ]),
    ...cmdLines,
    '```',
    '',
    'rclone\'s `--stats 1h --stats-log-level NOTICE --use-json-log` only make it print one final JSON stats line',
    '(for verification) instead of per-file log lines. For the big object rclone gets `--s3-chunk-size',
    `${cfg.partSize / MiB}M --s3-upload-concurrency ${cfg.partConcurrency}\` to match Ferry's part size and part concurrency`,
    `(rclone's defaults are 5M and 4); everything else is rclone's default (e.g. it HEADs each uploaded object to check it).`,
    '',
    '## Reproduce',
    '',
    '```sh',
    'scripts/ceph-up.sh            # once; idempotent',
    'npm run bench                 # full run, rewrites this file',
    'BENCH_SMALL=300 BENCH_RERUN=1000 BENCH_BIG_MIB=64 npm run bench   # quick smoke run',
    'BENCH_REPEAT=3 npm run bench  # median of 3 runs per tool and scenario',
    '```',
    '',
    'Knobs: BENCH_SMALL (default 5000), BENCH_RERUN (20000), BENCH_BIG_MIB (1024), BENCH_REPEAT (1),',
    'BENCH_QUIET_MAX_S (300; 0 = do not wait for a quiet machine), BENCH_REDO (2),',
    'BENCH_DOC (output file; empty to skip writing it). The benchmark creates only buckets named `fbench-<run id>-*`',
    'and deletes them (emptied first) at the end, also after a failure or Ctrl-C; leftovers of a killed run',
    '(older than 2 hours, so a benchmark running alongside keeps its own) are deleted at the next start.',
    '',
  ];
  return lines.join('\n');
}
