// Runs the built `ferry` CLI (`node bin/ferry.js`, which loads dist/; run
// `npm run build` first) as a child process, so a test can kill it with
// SIGKILL at any moment, as a crash or `kill -9` would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliLog, newHomeDir, redactArgv, registerEnvSecrets } from './artifacts.js';

/** The repository root (bin/ferry.js lives below it). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'ferry.js');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Wall time from spawn to exit. */
  ms: number;
  json<T = Record<string, unknown>>(): T;
}

export interface RunningFerry {
  child: ChildProcess;
  pid: number;
  /** Settles when the process has exited (whatever the code). */
  done: Promise<ChildResult>;
  /** SIGKILL (kill -9), then waits for the exit. */
  kill9(): Promise<ChildResult>;
  out(): string;
  err(): string;
}

/** Every child still running, so a failed test can clean up after itself. */
const live = new Set<ChildProcess>();

/** SIGKILLs every ferry child this module started that is still running. */
export function killAllFerryChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

/**
 * One Ferry home, driven by `node bin/ferry.js` child processes. The home
 * defaults to a new one in the run's artifacts; each process's output goes
 * to a log file there as it comes (test/helpers/artifacts.ts), and the
 * values of secret variables in `secrets` join the scan's list.
 */
export class FerryProcess {
  readonly home: string;
  readonly env: Record<string, string>;

  constructor(secrets: Record<string, string>, home = newHomeDir('child')) {
    this.home = home;
    registerEnvSecrets(secrets);
    this.env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      FERRY_HOME: home,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...secrets,
    };
  }

  get dbPath(): string {
    return join(this.home, 'ferry.db');
  }

  spawn(...argv: string[]): RunningFerry {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: REPO_ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const log = new CliLog(argv, this.home);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      log.write('stdout', b);
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      log.write('stderr', b);
    });
    const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');
    const done = new Promise<ChildResult>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        live.delete(child);
        log.end(signal ? `killed by ${signal}` : `exit ${code}`);
        const o = text(out);
        resolve({ code, signal, out: o, err: text(err), ms: Date.now() - started, json: <T>() => JSON.parse(o) as T });
      });
    });
    if (child.pid === undefined) throw new Error(`could not start ${BIN}`);
    return {
      child,
      pid: child.pid,
      done,
      kill9: async () => {
        child.kill('SIGKILL');
        return done;
      },
      out: () => text(out),
      err: () => text(err),
    };
  }

  /** Runs to the end. */
  run(...argv: string[]): Promise<ChildResult> {
    return this.spawn(...argv).done;
  }

  /** Runs to the end and fails with the CLI's output unless it exits with `expected`. */
  async ok(expected: number, ...argv: string[]): Promise<ChildResult> {
    const r = await this.run(...argv);
    if (r.code !== expected) {
      throw new Error(`ferry ${redactArgv(argv)} exited ${r.code ?? r.signal}, expected ${expected}\nstdout: ${r.out}\nstderr: ${r.err}`);
    }
    return r;
  }
}
