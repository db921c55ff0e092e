import { Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/cli-context.js';
import { CliLog } from './artifacts.js';

/**
 * A CLI context whose stdout and stderr are kept in memory for assertions,
 * and written to a log file in the run's artifacts (artifacts.ts) for the
 * secrets scan. `argv`, when given, heads the log (secret values redacted).
 */
export function captureContext(
  home: string,
  env: NodeJS.ProcessEnv = {},
  argv?: readonly string[],
): { ctx: CliContext; out(): string; err(): string; log: CliLog } {
  const log = new CliLog(argv, home);
  const sink = (name: 'stdout' | 'stderr'): { stream: Writable; text(): string } => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        chunks.push(chunk.toString());
        log.write(name, chunk);
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const stdout = sink('stdout');
  const stderr = sink('stderr');
  return {
    ctx: { home, env: { FERRY_HOME: home, ...env }, stdout: stdout.stream, stderr: stderr.stream },
    out: stdout.text,
    err: stderr.text,
    log,
  };
}
