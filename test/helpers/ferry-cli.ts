import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureContext } from './capture-context.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
  json<T = Record<string, unknown>>(): T;
}

/** Runs the `ferry` CLI in-process against one home folder, as a script would. */
export class FerryCli {
  readonly home: string;
  constructor(
    home = mkdtempSync(join(tmpdir(), 'ferry-home-')),
    readonly env: NodeJS.ProcessEnv = {},
  ) {
    this.home = home;
  }

  async run(...argv: string[]): Promise<CliResult> {
    const cap = captureContext(this.home, this.env);
    const code = await main(argv, cap.ctx);
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
    if (r.code !== expected) throw new Error(`ferry ${argv.join(' ')} exited ${r.code}, expected ${expected}\nstdout: ${r.out}\nstderr: ${r.err}`);
    return r;
  }
}
