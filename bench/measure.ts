// Runs one command and measures it: wall time, client CPU (user + system of
// the process and every descendant it waited for) and peak RSS, via the tiny
// python3 wrapper bench/rusage.py (getrusage(RUSAGE_CHILDREN); no new deps).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUSAGE_PY = join(dirname(fileURLToPath(import.meta.url)), 'rusage.py');

/**
 * The system python, not a pyenv shim (a shim's own helper processes would be
 * counted as children of the interpreter it execs).
 */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface Measurement {
  exitCode: number;
  wallS: number;
  userS: number;
  sysS: number;
  /** userS + sysS. */
  cpuS: number;
  maxRssKiB: number;
  /** CPU seconds the local Ceph daemons used meanwhile (when they run on this machine). */
  serverCpuS?: number;
  /** CPU seconds everything else on the machine used meanwhile (other workloads; ideally ~0). */
  otherCpuS?: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Keeps the last `max` characters of a stream (rclone/Ferry logs can be long when things go wrong). */
function tail(chunks: string[], max = 256 * 1024): string {
  const s = chunks.join('');
  return s.length > max ? s.slice(-max) : s;
}

export async function measure(cmd: readonly string[], opts: RunOptions): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-ru-'));
  const out = join(dir, 'rusage.json');
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(PYTHON, [RUSAGE_PY, out, ...cmd], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      const o: string[] = [];
      const e: string[] = [];
      child.stdout.setEncoding('utf8').on('data', (d: string) => o.push(d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => e.push(d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c ?? -1, stdout: tail(o), stderr: tail(e) }));
    });
    if (code !== 0 || !existsSync(out)) throw new Error(`rusage wrapper failed (exit ${code}) for: ${cmd.join(' ')}\n${stderr}`);
    const ru = JSON.parse(readFileSync(out, 'utf8')) as { exitCode: number; wallS: number; userS: number; sysS: number; maxRssKiB: number };
    return { ...ru, cpuS: ru.userS + ru.sysS, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Each metric's median over the runs (so one slow outlier cannot skew any of them). */
export function medianOf(runs: readonly Measurement[]): Pick<Measurement, 'wallS' | 'userS' | 'sysS' | 'cpuS' | 'maxRssKiB' | 'serverCpuS' | 'otherCpuS'> {
  const opt = (pick: (r: Measurement) => number | undefined): number | undefined => {
    const xs = runs.map(pick).filter((x): x is number => x !== undefined);
    return xs.length === runs.length && runs.length > 0 ? median(xs) : undefined;
  };
  return {
    serverCpuS: opt((r) => r.serverCpuS),
    otherCpuS: opt((r) => r.otherCpuS),
    wallS: median(runs.map((r) => r.wallS)),
    userS: median(runs.map((r) => r.userS)),
    sysS: median(runs.map((r) => r.sysS)),
    cpuS: median(runs.map((r) => r.cpuS)),
    maxRssKiB: median(runs.map((r) => r.maxRssKiB)),
  };
}
