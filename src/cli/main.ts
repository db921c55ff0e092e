import { Command, CommanderError } from 'commander';
import { describeError, isFerryError } from '../core/index.js';
import { defaultContext, type CliContext } from './cli-context.js';
import { EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from './exit-codes.js';
import { registerAddressCommands } from './commands/address.js';
import { registerCopyCommand } from './commands/copy.js';
import { registerJobCommands } from './commands/job.js';
import { registerServeCommand } from './commands/serve.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerMirrorCommand } from './commands/mirror.js';
import { registerSwitchoverCommand } from './commands/switchover.js';

/**
 * Runs the `ferry` CLI and resolves to its exit code. Never throws: every
 * error becomes one line on stderr (no stack) and a code scripts can test.
 */
export async function main(argv: string[], ctx: CliContext = defaultContext()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('ferry')
    .description('Migrate object storage between clouds, verified and resumable.')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      // commander prints "error: ..." itself; keep it to the first line.
      writeErr: (s) => ctx.stderr.write(s.split('\n').filter((l) => l.trim()).slice(0, 1).join('') + '\n'),
    });
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  registerAddressCommands(program, ctx);
  registerCopyCommand(program, ctx, setExit);
  registerJobCommands(program, ctx, setExit);
  registerServeCommand(program, ctx);
  registerPlanCommand(program, ctx);
  registerWorkerCommand(program, ctx);
  registerMirrorCommand(program, ctx);
  registerSwitchoverCommand(program, ctx, setExit);
  for (const cmd of program.commands) applyStrict(cmd);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0 through the same path.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    ctx.stderr.write(`ferry: ${describeError(err)}\n`);
    if (process.env.FERRY_DEBUG && err instanceof Error) ctx.stderr.write(`${err.stack ?? ''}\n`);
    if (isFerryError(err) && (err.code === 'USAGE' || err.code === 'CONFIG' || err.code === 'INVALID_KEY' || err.fatal)) return EXIT_USAGE;
    return isFerryError(err) ? EXIT_PARTIAL : EXIT_USAGE;
  }
}

function applyStrict(cmd: Command): void {
  cmd.exitOverride().allowExcessArguments(false).allowUnknownOption(false);
  for (const sub of cmd.commands) applyStrict(sub);
}
