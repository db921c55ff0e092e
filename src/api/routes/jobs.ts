import { Hono } from 'hono';
import { assertNoOverlap } from '../../addresses/index.js';
import { nextCronTime, parseCron } from '../../jobs/cron.js';
import type { RunRow } from '../../jobs/job-repository.js';
import { RunSamples } from '../../jobs/run-samples.js';
import { readBody } from '../body.js';
import { resolverOf, type AppDeps } from '../deps.js';
import { asField, conflict, notFound } from '../errors.js';
import { deleteJob, endJob, getJob, queueJob } from '../job-actions.js';
import { checkThrottle, jobSpecFromBody } from '../job-body.js';
import { jobSummary, jobView, runView } from '../job-views.js';
import { jobCreateBodySchema, throttleBodySchema } from '../schemas.js';

/** A run of a job by number, or `latest` (the current run). */
export function findRun(deps: AppDeps, job: string, which: string): RunRow {
  const row = getJob(deps, job);
  const number = which === 'latest' ? row.currentRun : /^\d+$/.test(which) ? Number(which) : null;
  if (number === null) throw notFound('run', `${job}/${which}`);
  const run = deps.jobs.runs(job).find((r) => r.number === number);
  if (!run) throw notFound('run', `${job}/${which}`);
  return run;
}

/** `/api/jobs`: list, create, show, start/pause/resume/stop/retry, delete, throttle, runs and samples. */
export function jobRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const resolve = resolverOf(deps);

  app.get('/', (c) => c.json(deps.jobs.list().map((j) => jobSummary(deps, j))));

  app.post('/', async (c) => {
    const body = await readBody(c, jobCreateBodySchema);
    if (deps.jobs.find(body.name)) throw conflict(`job "${body.name}" already exists`, 'name');
    const spec = jobSpecFromBody(body);
    // Resolving now refuses unknown addresses, bad paths and overlapping locations before the job exists (as ferry job create does).
    assertNoOverlap(resolve(spec.src, 'src'), resolve(spec.dst, 'dst'), { src: 'src', dst: 'dst' });
    const created = deps.jobs.create(spec);
    const schedule = created.spec.schedule;
    // ferry serve starts an `every` job at once and a `cron` job at its next time.
    if (schedule) {
      const next = 'every' in schedule ? Date.now() : (nextCronTime(parseCron(schedule.cron), Date.now()) ?? null);
      deps.jobs.setState(created.name, 'created', { nextRunAt: next });
    }
    // An `every` job starts at once anyway; any other is queued now when asked.
    if (body.start && !(schedule && 'every' in schedule)) queueJob(deps, created.name, 'start');
    return c.json(jobView(deps, getJob(deps, created.name)), 201);
  });

  app.get('/:name', (c) => c.json(jobView(deps, getJob(deps, c.req.param('name')))));

  app.delete('/:name', async (c) => {
    await deleteJob(deps, c.req.param('name'));
    return c.body(null, 204);
  });

  for (const mode of ['start', 'resume', 'retry'] as const) {
    app.post(`/:name/${mode}`, (c) => {
      const name = c.req.param('name');
      queueJob(deps, name, mode);
      return c.json(jobSummary(deps, getJob(deps, name)), 202);
    });
  }
  for (const what of ['pause', 'stop'] as const) {
    app.post(`/:name/${what}`, (c) => {
      const name = c.req.param('name');
      const { requested } = endJob(deps, name, what);
      return c.json({ ...jobSummary(deps, getJob(deps, name)), requested }, 202);
    });
  }

  // Takes effect in a running job within a second (its control loop re-reads the spec).
  app.put('/:name/throttle', async (c) => {
    const name = c.req.param('name');
    const row = getJob(deps, name);
    const body = await readBody(c, throttleBodySchema);
    const current = row.spec.throttle;
    const next = checkThrottle({
      bwlimit: body.bwlimit === undefined ? current.bwlimit : body.bwlimit,
      maxQps: body.maxQps === undefined ? current.maxQps : body.maxQps,
    });
    asField('throttle', () => deps.jobs.updateSpec(name, { ...row.spec, throttle: next }));
    return c.json(next);
  });

  app.get('/:name/runs', (c) => {
    const name = c.req.param('name');
    getJob(deps, name);
    return c.json(deps.jobs.runs(name).map((r) => runView(deps, r)));
  });

  app.get('/:name/runs/:run', (c) => c.json(runView(deps, findRun(deps, c.req.param('name'), c.req.param('run')))));

  app.get('/:name/runs/:run/samples', (c) => {
    const run = findRun(deps, c.req.param('name'), c.req.param('run'));
    return c.json(new RunSamples(deps.db).list(run.job, run.number));
  });

  return app;
}
