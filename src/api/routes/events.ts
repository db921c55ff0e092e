import { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { describeError } from '../../core/index.js';
import type { AppDeps } from '../deps.js';
import { getJob } from '../job-actions.js';
import { jobSummary } from '../job-views.js';

/**
 * Server-sent progress, every `sseIntervalMs` (1 s):
 *
 * - `/api/events`: event `jobs`, the jobs list (state, counts, rates, ETA);
 * - `/api/jobs/:name/events`: event `progress`, one job; `gone` when it is
 *   deleted, after which the stream ends.
 *
 * Each payload carries `t` (ms since the epoch) so a chart can place it.
 */
export function eventRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const every = deps.sseIntervalMs ?? 1000;

  // A failure ends the stream with a `failure` event (details in the log only); the browser reconnects.
  const onError = async (err: Error, stream: SSEStreamingApi): Promise<void> => {
    deps.log?.(`progress stream: ${describeError(err)}`);
    await stream.writeSSE({ event: 'failure', data: JSON.stringify({ message: 'internal error (see the ferry serve log)' }) }).catch(() => undefined);
  };

  const loop = async (stream: SSEStreamingApi, once: () => { event: string; data: unknown; last?: boolean }): Promise<void> => {
    let id = 0;
    while (!stream.aborted && !stream.closed) {
      const { event, data, last } = once();
      await stream.writeSSE({ event, id: String(++id), data: JSON.stringify(data) });
      if (last) return;
      await stream.sleep(every);
    }
  };

  app.get('/api/events', (c) =>
    streamSSE(c, (stream) => loop(stream, () => ({ event: 'jobs', data: { t: Date.now(), jobs: deps.jobs.list().map((j) => jobSummary(deps, j)) } })), onError),
  );

  app.get('/api/jobs/:name/events', (c) => {
    const name = c.req.param('name');
    getJob(deps, name); // 404 before the stream starts
    return streamSSE(c, (stream) =>
      loop(stream, () => {
        const row = deps.jobs.find(name);
        if (!row) return { event: 'gone', data: { t: Date.now(), name }, last: true };
        return { event: 'progress', data: { t: Date.now(), ...jobSummary(deps, row) } };
      }),
      onError,
    );
  });

  return app;
}
