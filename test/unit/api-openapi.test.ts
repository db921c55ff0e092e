import { Script } from 'node:vm';
import js from '@eslint/js';
import { Linter } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_JS } from '../../src/console/script.js';
import { ApiHarness } from '../helpers/api-app.js';
import { AWS_EXAMPLE_SECRET } from '../helpers/test-secrets.js';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { type?: string; properties?: Record<string, unknown> }> };
}

describe('OpenAPI document', () => {
  const h = new ApiHarness();
  afterAll(() => h.close());

  it('is served as JSON and documents every API route the app has', async () => {
    const r = await h.call<OpenApi>('GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = JSON.parse(r.text) as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    const routes = h.app.routes
      .filter((route) => route.path.startsWith('/api/') && route.method !== 'ALL')
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const [method, path] = route.split(' ') as [string, string];
      expect(doc.paths[path]?.[method], route).toBeDefined();
    }
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (method === 'parameters') continue;
        expect(routes, `${method} ${path} is documented but not served`).toContain(`${method} ${path}`);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
    }
  });

  it('generates the request bodies from the schemas that validate them', async () => {
    const doc = (await h.call<OpenApi>('GET', '/api/openapi.json')).json;
    const job = doc.components.schemas.JobCreateBody!;
    expect(Object.keys(job.properties ?? {})).toEqual(['name', 'src', 'dst', 'copy', 'tasks', 'throttle', 'schedule', 'reportPrefix', 'start']);
    expect(JSON.stringify(job.properties?.copy)).toContain('"since"');
    expect(JSON.stringify(doc.components.schemas.AddressBody)).toContain('secretAccessKey');
  });
});

describe('console', () => {
  const h = new ApiHarness();
  afterAll(() => h.close());

  it('has a script that parses and passes eslint\'s recommended rules for browsers', () => {
    expect(() => new Script(CONSOLE_JS)).not.toThrow();
    const browser = ['window', 'document', 'location', 'fetch', 'EventSource', 'URLSearchParams', 'setTimeout'];
    const messages = new Linter().verify(CONSOLE_JS, [
      js.configs.recommended,
      {
        languageOptions: { ecmaVersion: 2017, sourceType: 'script', globals: Object.fromEntries(browser.map((g) => [g, 'readonly' as const])) },
        rules: { 'no-shadow': 'error', 'no-redeclare': 'error' },
      },
    ]);
    expect(messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? ''} ${m.message}`)).toEqual([]);
  });

  it('serves every page to a logged-in user, with no data of its own in the HTML', async () => {
    const SECRET = AWS_EXAMPLE_SECRET;
    await h.call('POST', '/api/addresses', { name: 'x', type: 's3', provider: 'ceph', endpoint: 'http://127.0.0.1:1', bucket: 'b', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET });
    const auth = { Authorization: 'Bearer test-token-4f1c2a9e7b' };
    for (const [path, page] of [['/jobs', 'jobs'], ['/jobs/new', 'new-job'], ['/jobs/some-job', 'job'], ['/addresses', 'addresses'], ['/login', 'login']]) {
      const res = await h.app.request(path!, { headers: auth });
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html).toContain(`data-page="${page}"`);
      expect(html).not.toContain(SECRET);
      expect(html).not.toContain('AKIAIOSFODNN7EXAMPLE');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const res = await h.app.request('/', { headers: auth });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/jobs');
    expect((await h.app.request('/nothing-here', { headers: auth })).status).toBe(404);
  });
});
