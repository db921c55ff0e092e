import { createBunRedisClient, RedisConnection, type RedisOptions } from 'bullmq';
import { RespClient, type RedisTarget } from './resp-client.js';

/**
 * What BullMQ's Queue, Worker and QueueEvents get as `connection`. BullMQ
 * requires `maxRetriesPerRequest: null` of an ioredis connection; Ferry's own
 * client (see RespClient) never gives up on a command by itself, so the
 * setting has nothing to switch off and is passed only for the record.
 */
export function bullConnection(target: RedisTarget): RedisOptions {
  installClientFactory();
  return { ...target, maxRetriesPerRequest: null, skipVersionCheck: false };
}

let installed = false;

/** Makes BullMQ build its connections on Ferry's RESP client instead of the (absent) ioredis. */
function installClientFactory(): void {
  if (installed) return;
  installed = true;
  RedisConnection.clientFactory = (opts) => createBunRedisClient(new RespClient(targetOf(opts)));
}

function targetOf(opts: RedisOptions): RedisTarget {
  const o = opts as Partial<RedisTarget>;
  return { host: o.host ?? '127.0.0.1', port: o.port ?? 6379, db: o.db ?? 0, username: o.username, password: o.password, tls: o.tls === true };
}

