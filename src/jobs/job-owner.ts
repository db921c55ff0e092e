import { hostname } from 'node:os';
import { HEARTBEAT_STALE_MS } from './job-state.js';

/** `host:pid` of this process: who holds a job while running it. */
export function thisOwner(): string {
  return `${hostname()}:${process.pid}`;
}

/** The holder is a process on this machine that no longer exists (kill -9, crash). */
export function ownerIsDeadHere(owner: string): boolean {
  const at = owner.lastIndexOf(':');
  if (owner.slice(0, at) !== hostname()) return false;
  const pid = Number(owner.slice(at + 1));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether a live process runs the job: a fresh heartbeat from a holder that still exists. */
export function isJobAlive(row: { owner: string | null; heartbeatAt: number | null }, now = Date.now()): boolean {
  return row.owner !== null && row.heartbeatAt !== null && row.heartbeatAt > now - HEARTBEAT_STALE_MS && !ownerIsDeadHere(row.owner);
}
