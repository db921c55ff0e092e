/**
 * Where a job's tasks are carried out besides the default (this process,
 * see jobs/job-runner.ts): on queue workers, through BullMQ and Redis.
 */
export * as bullmq from './bullmq/index.js';
