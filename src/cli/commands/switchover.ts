import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { describeError, flagOfPath, usageError, validate } from '../../core/index.js';
import { jobDir } from '../../jobs/job-paths.js';
import { mirrorIdentity, planSwitchover, probeMirror, t1Of, type SwitchoverPlan } from '../../mirror/index.js';
import { parseSince } from '../../util/index.js';
import type { CliContext } from '../cli-context.js';
import { EXIT_PARTIAL } from '../exit-codes.js';
import { withJobs } from './job-context.js';

const flagsSchema = z
  .object({
    mirror: z
      .string()
      .refine((v) => /^https?:\/\/[^/\s]+(\/\S*)?$/.test(v), 'must be an http(s) URL such as http://127.0.0.1:9080')
      .optional(),
    t2: z.string().min(1).optional(),
    json: z.boolean().optional(),
  })
  .strict();

/** What `ferry switchover` remembers between calls, next to the job's reports. */
interface SwitchoverState {
  mirror?: string | undefined;
  t2Ms?: number | undefined;
}

/** `ferry switchover JOB`: the four steps of a zero-downtime switchover, checked (docs/mirror.md). */
export function registerSwitchoverCommand(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('switchover')
    .description('Check the four steps of a zero-downtime switchover for a job: full run (T1), back-to-origin mirror, business switched (T2), incremental run since T1. Exit 0 when all hold. See docs/mirror.md.')
    .argument('<job>', 'job name')
    .option('--mirror <url>', 'URL of the ferry mirror the business uses (remembered)')
    .option('--t2 <time>', 'when the business switched to the mirror: now, unix s/ms or ISO-8601 (remembered)')
    .option('--json', 'print the steps as one JSON object')
    .action(async (name: string, raw: Record<string, unknown>) => {
      const flags = validate(flagsSchema, raw, flagOfPath);
      const given = flags.t2 === undefined ? undefined : flags.t2.trim() === 'now' ? Date.now() : parseSince(flags.t2, '--t2');
      const plan = await withJobs(ctx, async (j) => {
        const job = j.jobs.get(name);
        const runs = j.jobs.runs(name);
        const statePath = join(jobDir(ctx.home, name), 'switchover.json');
        const state = readState(statePath);
        const t2Ms = given ?? state.t2Ms;
        const t1 = t1Of(runs);
        if (given !== undefined && t1 === undefined) throw usageError('--t2', `job "${name}" has no complete run yet: T2 comes after step 1`);
        if (given !== undefined && t1 !== undefined && given <= t1) {
          throw usageError('--t2', `must be after T1 (${new Date(t1).toISOString()}): the business switches once the full migration is done`);
        }
        if (given !== undefined && given > Date.now() + 60_000) throw usageError('--t2', 'is in the future: record T2 when the business has switched');
        const mirrorUrl = flags.mirror ?? state.mirror;
        if (flags.mirror !== undefined || given !== undefined) writeState(statePath, { mirror: mirrorUrl, t2Ms });
        let expectedIdentity: string | undefined;
        try {
          expectedIdentity = mirrorIdentity(j.resolve(job.spec.src, 'SRC'), j.resolve(job.spec.dst, 'DST'));
        } catch (err) {
          // Without the secrets' environment the pair cannot be compared; the mirror's presence still can.
          if (!flags.json) ctx.stderr.write(`note: cannot resolve the job's addresses to compare with the mirror (${describeError(err)})\n`);
        }
        const probe = mirrorUrl ? await probeMirror(mirrorUrl) : undefined;
        return planSwitchover({ job, runs, mirrorUrl, probe, expectedIdentity, t2Ms, now: Date.now() });
      });
      ctx.stdout.write(flags.json ? `${JSON.stringify(plan)}\n` : render(plan));
      if (!plan.done) setExit(EXIT_PARTIAL);
    });
}

function render(plan: SwitchoverPlan): string {
  const lines = [`Switchover of job "${plan.job}" (${plan.src} -> ${plan.dst})`];
  for (const s of plan.steps) {
    lines.push(`  [${s.done ? '✓' : ' '}] ${s.step}. ${s.title}: ${s.detail}`);
    if (!s.done && s.next) lines.push(`        next: ${s.next}`);
  }
  lines.push(plan.done ? 'All four steps hold: the destination has everything; point the business at it directly and stop the mirror when convenient.' : 'Some steps are still open.');
  return `${lines.join('\n')}\n`;
}

function readState(path: string): SwitchoverState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const v = JSON.parse(text) as SwitchoverState;
    return { mirror: typeof v.mirror === 'string' ? v.mirror : undefined, t2Ms: typeof v.t2Ms === 'number' ? v.t2Ms : undefined };
  } catch {
    return {};
  }
}

function writeState(path: string, state: SwitchoverState): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}
