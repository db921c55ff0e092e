import { main } from '../../src/cli/main.js';
import { newHomeDir, redactArgv, registerEnvSecrets } from './artifacts.js';
import { captureContext } from './capture-context.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
  json<T = Record<string, unknown>>(): T;
}

/**
 * Runs the `ferry` CLI in-process against one home folder, as a script would.
 * The home defaults to a new one in the run's artifacts, and each run's
 * output goes to a log file there (test/helpers/artifacts.ts).
 */
export class FerryCli {
  readonly home: string;
  constructor(
    home = newHomeDir('cli'),
    readonly env: NodeJS.ProcessEnv = {},
  ) {
    this.home = home;
    registerEnvSecrets(env);
  }

  async run(...argv: string[]): Promise<CliResult> {
    const cap = captureContext(this.home, this.env, argv);
    let code: number;
    try {
      code = await main(argv, cap.ctx);
    } catch (err) {
      cap.log.end(`threw ${(err as Error).name}`);
      throw err;
    }
    cap.log.end(`exit ${code}`);
    const out = cap.out();
    return {
      code,
      out,
      err: cap.err(),
      json<T>() {
        return JSON.parse(out) as T;
      },
    };
  }

  /** Runs and fails the test with the CLI's stderr if the exit code is not `expected`. */
  async ok(expected: number, ...argv: string[]): Promise<CliResult> {
    const r = await this.run(...argv);
    if (r.code !== expected) throw new Error(`ferry ${redactArgv(argv)} exited ${r.code}, expected ${expected}\nstdout: ${r.out}\nstderr: ${r.err}`);
    return r;
  }
}
