import { Redis } from 'ioredis';
import type { RedisTarget } from './queue-url.js';
import { ioredisOptions } from './redis-link.js';

/**
 * An ioredis connection for BullMQ's Queue, Worker or QueueEvents, as BullMQ
 * documents it (`maxRetriesPerRequest: null`: its blocking commands wait for
 * a reconnect instead of failing). BullMQ duplicates it where it needs a
 * blocking connection of its own and closes those; this one stays the
 * caller's to close (`disconnect()`) after the BullMQ object.
 */
export function bullConnection(target: RedisTarget): Redis {
  return new Redis({ ...ioredisOptions(target), maxRetriesPerRequest: null });
}
