import type { JobRow, RunRow } from '../jobs/job-repository.js';
import type { MirrorProbe } from './mirror-probe.js';

export interface SwitchoverInput {
  job: JobRow;
  runs: readonly RunRow[];
  /** The mirror's URL, if known, and what a probe of it found. */
  mirrorUrl?: string | undefined;
  probe?: MirrorProbe | undefined;
  /** Fingerprint a mirror of this job's source and destination has, when the addresses could be resolved. */
  expectedIdentity?: string | undefined;
  /** When the business switched to the mirror. */
  t2Ms?: number | undefined;
  now: number;
}

export interface SwitchoverStep {
  step: 1 | 2 | 3 | 4;
  title: string;
  done: boolean;
  /** What holds, or what is missing. */
  detail: string;
  /** The command that does the step, while it is open. */
  next?: string | undefined;
}

export interface SwitchoverPlan {
  job: string;
  src: string;
  dst: string;
  t1Ms?: number | undefined;
  t2Ms?: number | undefined;
  mirrorUrl?: string | undefined;
  steps: SwitchoverStep[];
  done: boolean;
}

/** A run counts once it succeeded, or failed and a retry run right after it succeeded. */
function completedRuns(runs: readonly RunRow[]): RunRow[] {
  const out: RunRow[] = [];
  runs.forEach((run, i) => {
    if (run.kind === 'retry') return;
    if (run.state === 'succeeded') out.push(run);
    else if (run.state === 'failed') {
      const retried = runs.slice(i + 1).find((r) => r.kind !== 'retry' || r.state === 'succeeded');
      if (retried && retried.kind === 'retry' && retried.state === 'succeeded') out.push(run);
    }
  });
  return out;
}

/** T1: when the first complete run of the job started (undefined before there is one). */
export function t1Of(runs: readonly RunRow[]): number | undefined {
  return completedRuns(runs)[0]?.startedAt;
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** T1 as given to `--since`: whole seconds, rounded down, so the incremental run starts at or before T1. */
export const sinceArg = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The four steps of a zero-downtime switchover for one job, each checked
 * against what the job database and the mirror say: (1) a complete run of
 * everything modified before T1, (2) the back-to-origin mirror answering,
 * (3) the business switched to it at T2, (4) an incremental run of objects
 * modified since T1 (or earlier), started at or after T2, complete.
 */
export function planSwitchover(input: SwitchoverInput): SwitchoverPlan {
  const { job, runs } = input;
  const name = job.name;
  const done = completedRuns(runs);
  const first = done[0];
  const t1 = first?.startedAt;
  const t2 = input.t2Ms;
  const steps: SwitchoverStep[] = [];

  const active = runs.find((r) => r.state === 'listing' || r.state === 'migrating' || r.state === 'paused');
  if (first && t1 !== undefined) {
    steps.push({ step: 1, title: 'Migrate everything modified before T1', done: true, detail: `run ${first.number} (${first.kind}) complete; T1 = ${iso(t1)}, when it started` });
  } else {
    const why = active ? `run ${active.number} is ${active.state}` : runs.length === 0 ? 'the job has not run yet' : 'no run of the job completed yet';
    steps.push({ step: 1, title: 'Migrate everything modified before T1', done: false, detail: why, next: active ? `ferry job status ${name} --watch` : `ferry job start ${name}` });
  }

  // Step 4 first: once it is done, a mirror that stopped answering is no longer a gap.
  let step4: SwitchoverStep;
  const finalRun = t1 !== undefined && t2 !== undefined ? done.find((r) => r !== first && r.startedAt >= t2 && (r.sinceMs === null || r.sinceMs <= t1)) : undefined;
  if (finalRun && t1 !== undefined) {
    step4 = { step: 4, title: 'Incremental migration of what changed since T1', done: true, detail: `run ${finalRun.number} (since ${finalRun.sinceMs === null ? 'the beginning' : iso(finalRun.sinceMs)}) started after T2 and is complete` };
  } else if (t1 === undefined) {
    step4 = { step: 4, title: 'Incremental migration of what changed since T1', done: false, detail: 'waits for step 1' };
  } else if (t2 === undefined || t2 > input.now) {
    step4 = { step: 4, title: 'Incremental migration of what changed since T1', done: false, detail: 'waits for T2 (step 3)' };
  } else {
    const running = active && active.startedAt >= t2 ? active : undefined;
    step4 = running
      ? { step: 4, title: 'Incremental migration of what changed since T1', done: false, detail: `run ${running.number} is ${running.state}`, next: `ferry job status ${name} --watch` }
      : { step: 4, title: 'Incremental migration of what changed since T1', done: false, detail: 'no complete run since T2 covering objects modified since T1', next: `ferry job set ${name} --since ${sinceArg(t1)} && ferry job start ${name}` };
  }

  const startMirror = `ferry mirror --src ${job.spec.src} --dst ${job.spec.dst} --listen 127.0.0.1:9080 --access-key-id KEY --secret-env MIRROR_SECRET`;
  const probe = input.probe;
  if (!input.mirrorUrl || !probe) {
    steps.push({ step: 2, title: 'Back-to-origin mirror running', done: step4.done, detail: step4.done ? 'no longer needed: step 4 is done' : 'no mirror URL given', next: step4.done ? undefined : `${startMirror}  (then: ferry switchover ${name} --mirror http://127.0.0.1:9080)` });
  } else if (!probe.answered) {
    steps.push({ step: 2, title: 'Back-to-origin mirror running', done: step4.done, detail: `nothing answers at ${input.mirrorUrl} (${probe.error ?? 'no answer'})${step4.done ? '; no longer needed: step 4 is done' : ''}`, next: step4.done ? undefined : startMirror });
  } else if (probe.identity === undefined) {
    steps.push({ step: 2, title: 'Back-to-origin mirror running', done: false, detail: `${input.mirrorUrl} answers (HTTP ${probe.status}) but is not a Ferry mirror`, next: startMirror });
  } else if (input.expectedIdentity !== undefined && probe.identity !== input.expectedIdentity) {
    steps.push({ step: 2, title: 'Back-to-origin mirror running', done: false, detail: `the Ferry mirror at ${input.mirrorUrl} serves another source/destination pair than this job`, next: startMirror });
  } else {
    const pair = input.expectedIdentity === undefined ? '' : ' for this job\'s source and destination';
    steps.push({ step: 2, title: 'Back-to-origin mirror running', done: true, detail: `a Ferry mirror${pair} answers at ${input.mirrorUrl}` });
  }

  if (t2 === undefined) {
    steps.push({ step: 3, title: 'Business switched to the mirror at T2', done: false, detail: 'T2 not recorded yet', next: `point the application at the mirror, then: ferry switchover ${name} --t2 now` });
  } else if (t2 > input.now) {
    steps.push({ step: 3, title: 'Business switched to the mirror at T2', done: false, detail: `T2 = ${iso(t2)} is still to come` });
  } else {
    steps.push({ step: 3, title: 'Business switched to the mirror at T2', done: true, detail: `T2 = ${iso(t2)}` });
  }
  steps.push(step4);
  steps.sort((a, b) => a.step - b.step);
  return { job: name, src: job.spec.src, dst: job.spec.dst, t1Ms: t1, t2Ms: t2, mirrorUrl: input.mirrorUrl, steps, done: steps.every((s) => s.done) };
}
