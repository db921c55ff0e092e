import { Hono } from 'hono';
import { z } from 'zod';
import { JOB_STATES } from '../../jobs/job-state.js';
import { REPORT_COLUMNS, REPORT_FORMATS, REPORT_KINDS } from '../../jobs/reports/index.js';
import { addressBodySchema, jobCreateBodySchema, loginBodySchema, throttleBodySchema } from '../schemas.js';

type Json = Record<string, unknown>;

/** A request-body schema as JSON Schema (what a client sends: the input side of transforms). */
function fromZod(schema: z.ZodType): Json {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return json;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description = 'OK'): Json => ({ description, content: { 'application/json': { schema } } });
const errors = (...codes: number[]): Json =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      json(ref('Error'), { 400: 'Invalid input (see error.field)', 401: 'No or bad token', 404: 'No such job, address or run', 409: 'Conflicts with the current state' }[code] ?? 'Error'),
    ]),
  );
const body = (schema: Json): Json => ({ required: true, content: { 'application/json': { schema } } });
const nameParam = (what: string): Json => ({ name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: `${what} name` });
const runParam: Json = { name: 'run', in: 'path', required: true, schema: { type: 'string', pattern: '^(\\d+|latest)$' }, description: 'run number, or `latest`' };
const sse = (event: string): Json => ({
  description: `text/event-stream: an \`${event}\` event every second`,
  content: { 'text/event-stream': { schema: { type: 'string' } } },
});

function jobAction(summary: string): Json {
  return {
    post: {
      tags: ['jobs'],
      summary,
      parameters: [nameParam('job')],
      responses: { 202: json(ref('JobSummary'), 'Accepted: the scheduler of ferry serve carries it out'), ...errors(401, 404, 409) },
    },
  };
}

/** The OpenAPI 3.1 document of the API: request bodies generated from the same zod schemas that validate them. */
export function openApiDocument(): Json {
  const counts: Json = {
    type: 'object',
    properties: Object.fromEntries(
      ['listed', 'listedBytes', 'migrated', 'migratedBytes', 'skipped', 'failed', 'toCopy', 'toCopyBytes'].map((k) => [k, { type: 'integer' }]),
    ),
  };
  const run: Json = {
    type: 'object',
    properties: {
      job: { type: 'string' },
      number: { type: 'integer' },
      kind: { enum: ['full', 'incremental', 'retry'] },
      state: { enum: [...JOB_STATES] },
      listingDone: { type: 'boolean' },
      bytesMoved: { type: 'integer' },
      rateBps: { type: 'number', description: 'bytes per second now' },
      rateOps: { type: 'number', description: 'objects per second now' },
      etaSeconds: { type: ['number', 'null'] },
      error: { type: ['string', 'null'] },
      startedAt: { type: 'integer', description: 'ms since the epoch' },
      endedAt: { type: ['integer', 'null'] },
      counts: ref('RunCounts'),
    },
  };
  const summary: Json = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      state: { enum: [...JOB_STATES] },
      running: { type: 'boolean' },
      src: { type: 'string' },
      dst: { type: 'string' },
      schedule: { type: ['object', 'null'] },
      nextRunAt: { type: ['string', 'null'], format: 'date-time' },
      desired: { type: ['string', 'null'], enum: ['pause', 'stop', 'retry', null] },
      run: { oneOf: [ref('Run'), { type: 'null' }] },
    },
  };
  const address: Json = {
    type: 'object',
    description: 'Never holds a secret: the key id is masked, `secret` only says where the secret comes from.',
    properties: {
      name: { type: 'string' },
      type: { enum: ['s3', 'local', 'http-list'] },
      provider: { type: 'string' },
      endpoint: { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      region: { type: 'string' },
      pathStyle: { type: 'boolean' },
      accessKeyId: { type: 'string', description: 'masked' },
      secret: { type: 'string', description: '****, env:VAR, profile:NAME or none (anonymous)' },
      secretKind: { enum: ['stored', 'env', 'profile', 'none'] },
      path: { type: 'string' },
      list: { type: 'string' },
      description: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Ferry API',
      version: '1',
      description:
        'REST API of `ferry serve`: data addresses, migration jobs, progress and reports. Every route but POST /api/login needs ' +
        '`Authorization: Bearer <token>` (or the console session cookie). Errors are `{error: {code, message, field}}`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [{ name: 'auth' }, { name: 'addresses' }, { name: 'jobs' }, { name: 'reports' }, { name: 'events' }],
    paths: {
      '/api/login': {
        post: {
          tags: ['auth'],
          summary: 'Log in with the token; sets the console session cookie',
          security: [],
          requestBody: body(ref('LoginBody')),
          responses: { 200: json({ type: 'object', properties: { ok: { const: true } } }), ...errors(400, 401) },
        },
      },
      '/api/logout': { post: { tags: ['auth'], summary: 'End the console session', responses: { 204: { description: 'Logged out' } } } },
      '/api/info': { get: { tags: ['auth'], summary: 'Whether this process runs jobs, and which', responses: { 200: json({ type: 'object' }), ...errors(401) } } },
      '/api/openapi.json': { get: { tags: ['auth'], summary: 'This document', responses: { 200: json({ type: 'object' }), ...errors(401) } } },
      '/api/events': { get: { tags: ['events'], summary: 'Progress of every job (event `jobs`)', responses: { 200: sse('jobs'), ...errors(401) } } },
      '/api/addresses': {
        get: { tags: ['addresses'], summary: 'List addresses', responses: { 200: json({ type: 'array', items: ref('Address') }), ...errors(401) } },
        post: {
          tags: ['addresses'],
          summary: 'Create an address (a clear secret is stored encrypted and never returned)',
          requestBody: body(ref('AddressBody')),
          responses: { 201: json(ref('Address'), 'Created'), ...errors(400, 401, 409) },
        },
      },
      '/api/addresses/{name}': {
        parameters: [nameParam('address')],
        get: { tags: ['addresses'], summary: 'Show an address', responses: { 200: json(ref('Address')), ...errors(401, 404) } },
        patch: {
          tags: ['addresses'],
          summary: 'Change an address: given properties replace the stored ones, null removes one; the stored secret is kept unless a new one is given',
          requestBody: body({ type: 'object', additionalProperties: true }),
          responses: { 200: json(ref('Address')), ...errors(400, 401, 404, 409) },
        },
        delete: { tags: ['addresses'], summary: 'Delete an address no job uses', responses: { 204: { description: 'Deleted' }, ...errors(401, 404, 409) } },
      },
      '/api/addresses/{name}/test': {
        post: {
          tags: ['addresses'],
          summary: 'Test the connection: list one object with the address\'s credentials',
          parameters: [nameParam('address')],
          responses: { 200: json(ref('TestResult')), ...errors(401, 404) },
        },
      },
      '/api/jobs': {
        get: { tags: ['jobs'], summary: 'List jobs with state and progress', responses: { 200: json({ type: 'array', items: ref('JobSummary') }), ...errors(401) } },
        post: {
          tags: ['jobs'],
          summary: 'Create a job (every option of ferry job create); `start: true` queues it at once',
          requestBody: body(ref('JobCreateBody')),
          responses: { 201: json(ref('Job'), 'Created'), ...errors(400, 401, 409) },
        },
      },
      '/api/jobs/{name}': {
        parameters: [nameParam('job')],
        get: { tags: ['jobs'], summary: 'Show a job: spec, state, current run, history', responses: { 200: json(ref('Job')), ...errors(401, 404) } },
        delete: { tags: ['jobs'], summary: 'Delete a job that is not running (never touches stored data)', responses: { 204: { description: 'Deleted' }, ...errors(401, 404, 409) } },
      },
      '/api/jobs/{name}/start': jobAction('Queue the job: continues an unfinished run or starts the next'),
      '/api/jobs/{name}/resume': jobAction('Queue a paused or interrupted run to continue'),
      '/api/jobs/{name}/retry': jobAction('Queue a retry run of the objects that failed in the last run'),
      '/api/jobs/{name}/pause': jobAction('Pause: a running job finishes the objects in flight; resume continues'),
      '/api/jobs/{name}/stop': jobAction('Stop: end the current run (and the schedule); the next start begins a new run'),
      '/api/jobs/{name}/throttle': {
        put: {
          tags: ['jobs'],
          summary: 'Change bandwidth and objects/s limits (flat or by time of day); a running job applies them within a second',
          parameters: [nameParam('job')],
          requestBody: body(ref('ThrottleBody')),
          responses: { 200: json({ type: 'object', properties: { bwlimit: { type: 'string' }, maxQps: { type: 'string' } } }), ...errors(400, 401, 404) },
        },
      },
      '/api/jobs/{name}/runs': {
        get: { tags: ['jobs'], summary: 'Runs of a job with their counts', parameters: [nameParam('job')], responses: { 200: json({ type: 'array', items: ref('Run') }), ...errors(401, 404) } },
      },
      '/api/jobs/{name}/runs/{run}': {
        get: { tags: ['jobs'], summary: 'One run with its counts', parameters: [nameParam('job'), runParam], responses: { 200: json(ref('Run')), ...errors(401, 404) } },
      },
      '/api/jobs/{name}/runs/{run}/samples': {
        get: {
          tags: ['jobs'],
          summary: 'Throughput samples of a run (cumulative bytes and objects every few seconds), at most 500',
          parameters: [nameParam('job'), runParam],
          responses: { 200: json({ type: 'array', items: ref('Sample') }), ...errors(401, 404) },
        },
      },
      '/api/jobs/{name}/runs/{run}/report': {
        get: {
          tags: ['reports'],
          summary: 'A page of a run\'s report, in key order',
          parameters: [
            nameParam('job'),
            runParam,
            { name: 'kind', in: 'query', schema: { enum: [...REPORT_KINDS], default: 'total' } },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: { 200: json(ref('ReportPage')), ...errors(400, 401, 404) },
        },
      },
      '/api/jobs/{name}/runs/{run}/report/download': {
        get: {
          tags: ['reports'],
          summary: 'A run\'s whole report as a file (CSV with a header line, or JSON lines)',
          parameters: [
            nameParam('job'),
            runParam,
            { name: 'kind', in: 'query', schema: { enum: [...REPORT_KINDS], default: 'total' } },
            { name: 'format', in: 'query', schema: { enum: [...REPORT_FORMATS], default: 'csv' } },
          ],
          responses: {
            200: { description: 'attachment', content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
            ...errors(400, 401, 404),
          },
        },
      },
      '/api/jobs/{name}/events': {
        get: { tags: ['events'], summary: 'Live progress of one job (event `progress`; `gone` when deleted)', parameters: [nameParam('job')], responses: { 200: sse('progress'), ...errors(401, 404) } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The token ferry serve printed at its first start, or --token / FERRY_TOKEN' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'field'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: ['string', 'null'], description: 'the body property at fault, dotted (copy.concurrency)' } },
            },
          },
        },
        LoginBody: fromZod(loginBodySchema),
        AddressBody: fromZod(addressBodySchema),
        Address: address,
        TestResult: { type: 'object', properties: { ok: { type: 'boolean' }, message: { type: 'string' }, elapsedMs: { type: 'integer' } } },
        JobCreateBody: fromZod(jobCreateBodySchema),
        ThrottleBody: fromZod(throttleBodySchema),
        RunCounts: counts,
        Run: run,
        JobSummary: summary,
        Job: {
          allOf: [
            ref('JobSummary'),
            { type: 'object', properties: { spec: { type: 'object' }, history: { type: 'array', items: { type: 'object' } }, createdAt: { type: 'string' }, updatedAt: { type: 'string' } } },
          ],
        },
        Sample: { type: 'object', properties: { t: { type: 'integer' }, bytesMoved: { type: 'integer' }, objects: { type: 'integer' } } },
        ReportPage: {
          type: 'object',
          properties: {
            kind: { enum: [...REPORT_KINDS] },
            run: { type: 'integer' },
            offset: { type: 'integer' },
            limit: { type: 'integer' },
            total: { type: 'integer' },
            rows: { type: 'array', items: { type: 'object', properties: Object.fromEntries(REPORT_COLUMNS.map((c) => [c, {}])) } },
          },
        },
      },
    },
  };
}

export function openApiRoutes(): Hono {
  const app = new Hono();
  let doc: Json | undefined;
  app.get('/api/openapi.json', (c) => c.json((doc ??= openApiDocument())));
  return app;
}
