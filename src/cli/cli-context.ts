import { homedir } from 'node:os';
import { join } from 'node:path';

/** What every command needs from its surroundings; injectable for tests. */
export interface CliContext {
  /** The Ferry home folder (`FERRY_HOME`, default `~/.ferry`). */
  home: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export function defaultContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  return {
    home: env.FERRY_HOME && env.FERRY_HOME.length > 0 ? env.FERRY_HOME : join(homedir(), '.ferry'),
    env,
    stdout: process.stdout,
    stderr: process.stderr,
  };
}
