// The benchmark scenarios and how one is run: every measured copy goes into a
// fresh destination bucket (except the re-run scenario, which re-runs over a
// destination the same tool filled), and is verified by listing the
// destination afterwards, so a broken run can never look fast.
import type { BenchConfig } from './config.js';
import type { Dataset, Datasets } from './datasets.js';
import { measure, type Measurement } from './measure.js';
import type { BenchS3, User } from './s3.js';
import type { CopyCounts, CopyKind, Ferry, Rclone, ToolName } from './tools.js';

export interface Contender {
  /** Short id used in bucket names. */
  id: string;
  tool: ToolName;
  label: string;
  kind: CopyKind;
}

export interface Targets {
  /** Ferry throughput / rclone throughput must be at least this. */
  minSpeedup?: number;
  /** Ferry wall time / rclone wall time must be at most this. */
  maxTimeRatio?: number;
  /** Ferry client CPU per object / rclone's must be at most this. */
  maxCpuRatio?: number;
}

export interface Scenario {
  id: string;
  title: string;
  dataset: Dataset;
  /** Destination bucket owner: 2 makes the copy cross users, so it must stream through the client. */
  dstUser: User;
  /** Throughput in objects/s or MiB/s. */
  unit: 'objects' | 'bytes';
  /** Order of the first repetition; later repetitions alternate reversed and forward. */
  contenders: Contender[];
  targets: Targets;
  /** Re-run over a destination the tool already filled: expect 0 copied, every object skipped. */
  rerun?: boolean;
  /** Informational only (targets not applied). */
  info?: boolean;
}

export interface ContenderResult {
  contender: Contender;
  command: string[];
  runs: Measurement[];
  counts: CopyCounts[];
  /** Runs thrown away and redone because other work disturbed them. */
  redone: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  results: ContenderResult[];
}

export interface Tools {
  ferry: Ferry;
  rclone: Rclone;
}

export interface RunContext {
  cfg: BenchConfig;
  s3: BenchS3;
  tools: Tools;
  log: (msg: string) => void;
  /** Cumulative CPU seconds of the Ceph daemons, when they run on this machine. */
  serverCpu?: (() => number) | undefined;
  cpuCount: number;
  /** Waits for the machine to be quiet before a measured run. */
  waitQuiet?: (() => Promise<unknown>) | undefined;
  /** Cumulative busy CPU seconds of the whole machine. */
  machineCpu?: (() => number) | undefined;
  /** Called after a big destination was deleted (lets the server reclaim the space now). */
  afterBigDelete?: () => void;
}

const FERRY: Contender = { id: 'ferry', tool: 'ferry', label: 'Ferry', kind: {} };
const RCLONE: Contender = { id: 'rclone', tool: 'rclone', label: 'rclone', kind: {} };

export function scenarios(d: Datasets): { s: Scenario; a: Scenario; b: Scenario; c: Scenario; d0: Scenario; d: Scenario } {
  return {
    s: {
      id: 's',
      title: `start-up: ${d.one.label} object, streamed (user 1 → user 2): the fixed cost of one run`,
      dataset: d.one,
      dstUser: 2,
      unit: 'objects',
      contenders: [FERRY, RCLONE],
      targets: {},
      info: true,
    },
    a: {
      id: 'a',
      title: `${d.small.label} bucket→bucket, streamed (user 1 → user 2)`,
      dataset: d.small,
      dstUser: 2,
      unit: 'objects',
      contenders: [RCLONE, FERRY],
      targets: { minSpeedup: 1.2, maxCpuRatio: 1 },
    },
    b: {
      id: 'b',
      title: `${d.small.label} bucket→bucket, server-side copy (same user)`,
      dataset: d.small,
      dstUser: 1,
      unit: 'objects',
      contenders: [FERRY, RCLONE],
      targets: { minSpeedup: 1.2, maxCpuRatio: 1 },
    },
    c: {
      id: 'c',
      title: `${d.big.label} object, streamed (user 1 → user 2)`,
      dataset: d.big,
      dstUser: 2,
      unit: 'bytes',
      contenders: [
        { ...RCLONE, kind: { big: true } },
        { ...FERRY, kind: { big: true } },
      ],
      targets: { minSpeedup: 1.2, maxCpuRatio: 1 },
    },
    d0: {
      id: 'd0',
      title: `${d.rerun.label} first copy, streamed (fills each tool's destination for d)`,
      dataset: d.rerun,
      dstUser: 2,
      unit: 'objects',
      contenders: [FERRY, RCLONE],
      targets: { minSpeedup: 1.2, maxCpuRatio: 1 },
      info: true,
    },
    d: {
      id: 'd',
      title: `re-run over ${d.rerun.label} unchanged objects (nothing to copy)`,
      dataset: d.rerun,
      dstUser: 2,
      unit: 'objects',
      contenders: [
        { id: 'rclone-checksum', tool: 'rclone', label: 'rclone --checksum', kind: { checksum: true } },
        FERRY,
        { id: 'rclone-modtime', tool: 'rclone', label: 'rclone (default size+modtime)', kind: {} },
      ],
      targets: { maxTimeRatio: 0.5, maxCpuRatio: 1 },
      rerun: true,
    },
  };
}

function command(ctx: RunContext, c: Contender, src: Dataset, dst: { bucket: string; user: User }): { cmd: string[]; env: NodeJS.ProcessEnv } {
  const s = { bucket: src.bucket, user: src.user };
  const tool = ctx.tools[c.tool];
  return { cmd: tool.copyCommand(s, dst, c.kind), env: tool.env };
}

/** measure(), plus the Ceph daemons' CPU seconds during the run. */
async function measured(ctx: RunContext, cmd: string[], env: NodeJS.ProcessEnv): Promise<Measurement> {
  const before = ctx.serverCpu?.();
  const machineBefore = ctx.machineCpu?.();
  const m = await measure(cmd, { env });
  if (before !== undefined && ctx.serverCpu) m.serverCpuS = ctx.serverCpu() - before;
  if (machineBefore !== undefined && ctx.machineCpu) {
    m.otherCpuS = Math.max(0, ctx.machineCpu() - machineBefore - m.cpuS - (m.serverCpuS ?? 0));
  }
  return m;
}

function counts(ctx: RunContext, c: Contender, m: Measurement): CopyCounts {
  return ctx.tools[c.tool].counts(m);
}

/** Throws unless the run succeeded and the destination holds exactly the dataset. */
async function verify(ctx: RunContext, sc: Scenario, c: Contender, m: Measurement, dstBucket: string): Promise<CopyCounts> {
  const ds = sc.dataset;
  const where = `scenario ${sc.id}, ${c.label}`;
  const logs = `\nstdout: ${m.stdout.slice(-2000)}\nstderr: ${m.stderr.slice(-4000)}`;
  if (m.exitCode !== 0) throw new Error(`${where}: exit code ${m.exitCode}${logs}`);
  const n = counts(ctx, c, m);
  const want = sc.rerun ? { copied: 0, skipped: ds.count } : { copied: ds.count, skipped: 0 };
  if (n.failed !== 0 || n.copied !== want.copied || (sc.rerun && n.skipped !== want.skipped)) {
    throw new Error(`${where}: reported copied ${n.copied} / skipped ${n.skipped} / failed ${n.failed}, expected ${want.copied} / ${want.skipped} / 0${logs}`);
  }
  const st = await ctx.s3.stats(dstBucket);
  if (st.count !== ds.count || st.bytes !== ds.bytes) {
    throw new Error(`${where}: destination ${dstBucket} lists ${st.count} objects / ${st.bytes} bytes, expected ${ds.count} / ${ds.bytes}`);
  }
  return n;
}

function orderFor(sc: Scenario, rep: number): Contender[] {
  return rep % 2 === 0 ? sc.contenders : sc.contenders.toReversed();
}

function describe(m: Measurement): string {
  const server = m.serverCpuS === undefined ? '' : `, Ceph ${m.serverCpuS.toFixed(2)} s CPU`;
  const other = m.otherCpuS === undefined ? '' : `, other ${m.otherCpuS.toFixed(2)} s CPU`;
  return `${m.wallS.toFixed(2)} s wall, ${m.cpuS.toFixed(2)} s CPU, ${(m.maxRssKiB / 1024).toFixed(0)} MiB RSS${server}${other}`;
}

/** Share of the whole machine that other work used during the run. */
function disturbance(ctx: RunContext, m: Measurement): number {
  return m.otherCpuS === undefined ? 0 : m.otherCpuS / (m.wallS * ctx.cpuCount);
}

/**
 * One measured, verified copy into `dst()`'s bucket. Waits for a quiet machine
 * first; a run that other work disturbed anyway (more than cfg.disturbedShare
 * of the machine) is redone, up to cfg.redo times, into a fresh destination
 * when `fresh` (the last attempt counts). `done` is called with each
 * attempt's destination once it is verified (delete it, or keep it).
 */
async function attempt(
  ctx: RunContext,
  sc: Scenario,
  c: Contender,
  dst: (attemptNo: number) => Promise<string>,
  done: (bucket: string, final: boolean) => Promise<void>,
  describeRun: string,
): Promise<{ m: Measurement; n: CopyCounts; cmd: string[]; redone: number }> {
  for (let i = 0; ; i++) {
    await ctx.waitQuiet?.();
    const bucket = await dst(i);
    const { cmd, env } = command(ctx, c, sc.dataset, { bucket, user: sc.dstUser });
    const m = await measured(ctx, cmd, env);
    const n = await verify(ctx, sc, c, m, bucket);
    const share = disturbance(ctx, m);
    const redo = share > ctx.cfg.disturbedShare && i < ctx.cfg.redo;
    ctx.log(
      `  (${sc.id}) ${c.label.padEnd(30)} ${describeRun}: ${describe(m)}; verified` +
        (redo ? ` — disturbed (other work used ${(share * 100).toFixed(0)}% of the machine), redoing` : ''),
    );
    await done(bucket, !redo);
    if (!redo) return { m, n, cmd, redone: i };
  }
}

function emptyResults(sc: Scenario): Map<string, ContenderResult> {
  return new Map(sc.contenders.map((c) => [c.id, { contender: c, command: [], runs: [], counts: [], redone: 0 }]));
}

function record(r: ContenderResult, a: { m: Measurement; n: CopyCounts; cmd: string[]; redone: number }): void {
  r.command = a.cmd;
  r.runs.push(a.m);
  r.counts.push(a.n);
  r.redone += a.redone;
}

/** Scenarios s, a, b, c: each measured run copies into a fresh bucket, which is deleted once verified. */
export async function runFresh(ctx: RunContext, sc: Scenario): Promise<ScenarioResult> {
  const byId = emptyResults(sc);
  for (let rep = 0; rep < ctx.cfg.repeat; rep++) {
    for (const c of orderFor(sc, rep)) {
      const a = await attempt(
        ctx,
        sc,
        c,
        (i) => ctx.s3.createBucket(`${sc.id}-${c.id}-${rep + 1}${i ? `-${i + 1}` : ''}`, sc.dstUser),
        async (bucket) => {
          await ctx.s3.deleteBucket(bucket);
          if (sc.unit === 'bytes') ctx.afterBigDelete?.();
        },
        `run ${rep + 1}/${ctx.cfg.repeat}`,
      );
      record(byId.get(c.id)!, a);
    }
  }
  return { scenario: sc, results: [...byId.values()] };
}

/**
 * Scenario d: each tool first copies the dataset into its own destination
 * (measured once, reported as d0), then re-runs over it `repeat` times.
 * The rclone contenders of d share rclone's destination.
 */
export async function runRerun(ctx: RunContext, first: Scenario, sc: Scenario): Promise<[ScenarioResult, ScenarioResult]> {
  const dstOf = new Map<ToolName, string>();
  const firstById = emptyResults(first);
  for (const c of first.contenders) {
    const a = await attempt(
      ctx,
      first,
      c,
      (i) => ctx.s3.createBucket(`${sc.id}-${c.tool}${i ? `-${i + 1}` : ''}`, sc.dstUser),
      async (bucket, final) => {
        if (final) dstOf.set(c.tool, bucket);
        else await ctx.s3.deleteBucket(bucket);
      },
      'first copy',
    );
    record(firstById.get(c.id)!, a);
  }
  const byId = emptyResults(sc);
  for (let rep = 0; rep < ctx.cfg.repeat; rep++) {
    for (const c of orderFor(sc, rep)) {
      const bucket = dstOf.get(c.tool)!;
      const a = await attempt(ctx, sc, c, async () => bucket, async () => undefined, `run ${rep + 1}/${ctx.cfg.repeat}`);
      record(byId.get(c.id)!, a);
    }
  }
  for (const bucket of dstOf.values()) await ctx.s3.deleteBucket(bucket);
  return [
    { scenario: first, results: [...firstById.values()] },
    { scenario: sc, results: [...byId.values()] },
  ];
}
