import { keys } from './redis-keys.js';
import { hashOf, type RedisLink } from './redis-link.js';

/** What a worker says about itself, refreshed every few seconds. */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  /** ISO 8601. */
  startedAt: string;
  state: 'running' | 'stopping' | 'stopped';
  /** BullMQ job ids of the tasks it is copying now. */
  tasks: string[];
  /** Objects in flight per worker (`--concurrency`) and tasks at once. */
  concurrency: number;
  taskSlots: number;
  bytesPerSec: number;
  objectsPerSec: number;
  tasksDone: number;
  objectsDone: number;
  bytesDone: number;
}

/** A record as `ferry job status` shows it. */
export interface WorkerInfo extends WorkerRecord {
  /** Whether it reported within ALIVE_SECONDS. */
  alive: boolean;
}

/** A worker not heard from for this long is dead (kill -9, lost machine); BullMQ hands its tasks on at about the same time. */
export const ALIVE_SECONDS = 15;
export const REPORT_EVERY_MS = 5_000;
/** How long a dead or stopped worker stays listed. */
const KEEP_SECONDS = 3600;

export async function reportWorker(link: RedisLink, r: WorkerRecord): Promise<void> {
  const key = keys.worker(r.id);
  await link.send('HSET', [
    key,
    'id', r.id, 'host', r.host, 'pid', r.pid, 'startedAt', r.startedAt, 'state', r.state, 'tasks', r.tasks.join(' '),
    'concurrency', r.concurrency, 'taskSlots', r.taskSlots, 'bytesPerSec', Math.round(r.bytesPerSec), 'objectsPerSec', r.objectsPerSec.toFixed(1),
    'tasksDone', r.tasksDone, 'objectsDone', r.objectsDone, 'bytesDone', r.bytesDone,
  ]);
  await link.send('EXPIRE', [key, KEEP_SECONDS]);
  await link.send('SADD', [keys.workerIds, r.id]);
  if (r.state === 'stopped') await link.send('DEL', [keys.workerAlive(r.id)]);
  else await link.send('SET', [keys.workerAlive(r.id), '1', 'EX', ALIVE_SECONDS]);
}

/** Every worker seen in the last hour, alive ones first, then by id. */
export async function listWorkers(link: RedisLink): Promise<WorkerInfo[]> {
  const out: WorkerInfo[] = [];
  for (const id of await link.send<string[]>('SMEMBERS', [keys.workerIds])) {
    const h = hashOf(await link.send('HGETALL', [keys.worker(id)]));
    if (!h.id) {
      // Its record expired (gone for an hour).
      await link.send('SREM', [keys.workerIds, id]);
      continue;
    }
    const alive = (await link.send<number>('EXISTS', [keys.workerAlive(h.id)])) === 1;
    out.push({
      id: h.id,
      host: h.host ?? '',
      pid: Number(h.pid),
      startedAt: h.startedAt ?? '',
      state: (h.state ?? 'running') as WorkerRecord['state'],
      tasks: h.tasks ? h.tasks.split(' ') : [],
      concurrency: Number(h.concurrency ?? 0),
      taskSlots: Number(h.taskSlots ?? 1),
      bytesPerSec: alive ? Number(h.bytesPerSec ?? 0) : 0,
      objectsPerSec: alive ? Number(h.objectsPerSec ?? 0) : 0,
      tasksDone: Number(h.tasksDone ?? 0),
      objectsDone: Number(h.objectsDone ?? 0),
      bytesDone: Number(h.bytesDone ?? 0),
      alive,
    });
  }
  return out.sort((a, b) => Number(b.alive) - Number(a.alive) || a.id.localeCompare(b.id));
}
