/**
 * Distributed mode on BullMQ over Redis: `ferry serve --queue` lists and
 * records (CoordinatorExecutor), any number of `ferry worker --queue` copy
 * (QueueWorker). Limits are shared through Redis (RedisRateLimiter) and no
 * secret is queued in clear (spec-sealing.ts).
 *
 * Importing this index loads BullMQ (a third of a second): commands that
 * only may need it import the light modules (queue-url.ts,
 * worker-registry.ts, spec-sealing.ts) directly and the rest on demand.
 */
export { bullConnection } from './connection.js';
export { connectOrExplain, describeTarget, parseQueueUrl, queueTargetFrom, QUEUE_ENV, type RedisTarget } from './queue-url.js';
export { CoordinatorExecutor, type CoordinatorOptions } from './coordinator-executor.js';
export { QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { RedisLink, LuaScript, hashOf, openRedis } from './redis-link.js';
export { RedisRateLimiter, allOf, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
export { publishLimits } from './limits-publisher.js';
export { QUEUE_NAME, keys as redisKeys, taskJobId, parseTaskJobId } from './redis-keys.js';
export { sealSpec, unsealSpec, secretEnvOf, sharedSecretBox, type SealedSpec, type SecretRef } from './spec-sealing.js';
export { taskPayloadSchema, PAYLOAD_VERSION, type TaskPayload, type TaskOutcome, type TaskProgress } from './task-payload.js';
export { listWorkers, reportWorker, ALIVE_SECONDS, type WorkerInfo, type WorkerRecord } from './worker-registry.js';
