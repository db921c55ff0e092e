import { Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/cli-context.js';

/** A CLI context whose stdout and stderr are kept in memory for assertions. */
export function captureContext(
  home: string,
  env: NodeJS.ProcessEnv = {},
): { ctx: CliContext; out(): string; err(): string } {
  const sink = (): { stream: Writable; text(): string } => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const stdout = sink();
  const stderr = sink();
  return {
    ctx: { home, env: { FERRY_HOME: home, ...env }, stdout: stdout.stream, stderr: stderr.stream },
    out: stdout.text,
    err: stderr.text,
  };
}
