// What the benchmark ran on, and small helpers for the local Ceph test server.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Machine {
  cpuCount: number;
  cpuModel: string;
  memGiB: number;
  kernel: string;
  node: string;
  rclone: string;
  ceph: string;
  ferry: string;
  /** Commit of the working tree, with "+dirty" when it has uncommitted changes. */
  commit: string;
}

function run(cmd: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function describeMachine(repoRoot: string, rcloneVersion: string, ferryVersion: string): Machine {
  const head = run('git', ['rev-parse', '--short', 'HEAD'], repoRoot);
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no'], repoRoot);
  return {
    cpuCount: cpus().length,
    cpuModel: cpuModel(),
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    rclone: rcloneVersion,
    ceph: run('ceph', ['--version']) ?? 'unknown',
    ferry: ferryVersion,
    commit: head ? `${head}${dirty ? '+dirty' : ''}` : 'unknown',
  };
}

/** ceph.conf of the local test cluster from scripts/ceph-up.sh, if that is what runs here. */
function localCephConf(): string | undefined {
  const conf = join(process.env.CEPH_BASE || '/tmp/ferry-ceph', 'ceph.conf');
  return existsSync(conf) ? conf : undefined;
}

/**
 * Asks the local RGW to garbage-collect deleted objects now rather than in a
 * minute or two: the test cluster keeps its data in RAM (memstore), and the
 * 1 GiB destinations of repeated runs would otherwise pile up. Best effort;
 * a no-op against any other server.
 */
export function cephGcNow(): void {
  const conf = localCephConf();
  if (conf) run('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all']);
}

/**
 * Cumulative CPU seconds (user + system) of the local test cluster's daemons
 * (radosgw, ceph-osd, ceph-mon, from the pid files in $CEPH_BASE/run), or
 * undefined when they are not on this machine. Sampled around each run, it
 * shows how much work a tool made the server do.
 */
export function cephCpuSampler(): (() => number) | undefined {
  const runDir = join(process.env.CEPH_BASE || '/tmp/ferry-ceph', 'run');
  const pids: string[] = [];
  for (const name of ['client.rgw.a.pid', 'osd.0.pid', 'mon.a.pid']) {
    try {
      const pid = readFileSync(join(runDir, name), 'utf8').trim();
      if (/^\d+$/.test(pid) && existsSync(`/proc/${pid}/stat`)) pids.push(pid);
    } catch {
      // not this daemon
    }
  }
  if (pids.length === 0) return undefined;
  const hz = Number(run('getconf', ['CLK_TCK'])) || 100;
  return () => {
    let ticks = 0;
    for (const pid of pids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // daemon gone: the run will fail on its own
      }
    }
    return ticks / hz;
  };
}

/**
 * Busy CPU seconds of the whole machine so far (all CPUs, from /proc/stat),
 * or undefined off Linux. Sampled around each run, minus the client's and
 * Ceph's own CPU, it shows how much else was running: other work on a shared
 * machine skews a run, and the report says so rather than hiding it.
 */
export function machineCpuSampler(): (() => number) | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const hz = Number(run('getconf', ['CLK_TCK'])) || 100;
  return () => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0) + (v[5] ?? 0) + (v[6] ?? 0) + (v[7] ?? 0);
    return busy / hz;
  };
}

/**
 * Waits until the machine is quiet (busy below `threshold` of all CPUs over a
 * one-second window) or `maxS` seconds have passed; returns the seconds
 * waited. Other work on a shared machine would otherwise skew the next run.
 */
export async function waitForQuiet(
  sample: () => number,
  cpuCount: number,
  maxS: number,
  log: (msg: string) => void,
  threshold = 0.2,
): Promise<number> {
  const t0 = performance.now();
  let logged = false;
  for (;;) {
    const before = sample();
    await new Promise((r) => setTimeout(r, 1000));
    const busy = (sample() - before) / cpuCount;
    const waited = (performance.now() - t0) / 1000;
    if (busy < threshold) {
      if (logged) log(`    machine quiet after ${waited.toFixed(0)} s`);
      return waited;
    }
    if (waited >= maxS) {
      log(`    machine still ${(busy * 100).toFixed(0)}% busy after ${waited.toFixed(0)} s: running anyway (see "Other CPU")`);
      return waited;
    }
    if (!logged) {
      log(`    waiting for a quiet machine (${(busy * 100).toFixed(0)}% busy with other work)`);
      logged = true;
    }
  }
}
