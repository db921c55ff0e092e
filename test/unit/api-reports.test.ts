import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportStream } from '../../src/api/routes/reports.js';
import { ApiHarness } from '../helpers/api-app.js';

interface Page {
  kind: string;
  run: number;
  offset: number;
  limit: number;
  total: number;
  rows: { key: string; status: string; size: number }[];
}

describe('reports: pages and downloads', () => {
  let h: ApiHarness;
  // Keys with a comma, a quote and a newline test the CSV quoting end to end.
  const names = [...Array.from({ length: 23 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`), 'a,b.txt', 'say "hi".txt'];

  beforeAll(async () => {
    h = new ApiHarness();
    const src = join(h.dir, 'src');
    mkdirSync(src);
    for (const n of names) writeFileSync(join(src, n), n);
    await h.call('POST', '/api/jobs', { name: 'rep', src, dst: join(h.dir, 'dst'), start: true });
    h.startScheduler();
    await h.waitFor('rep', (j) => j.state === 'succeeded' && !j.running);
  });
  afterAll(async () => {
    await h.close();
  });

  it('pages a report in key order', async () => {
    const first = await h.call<Page>('GET', '/api/jobs/rep/runs/1/report?kind=migrated&offset=0&limit=10');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ kind: 'migrated', run: 1, offset: 0, limit: 10, total: 25 });
    expect(first.json.rows).toHaveLength(10);
    const last = await h.call<Page>('GET', '/api/jobs/rep/runs/latest/report?kind=migrated&offset=20&limit=10');
    expect(last.json.rows).toHaveLength(5);
    const all = [...first.json.rows, ...(await h.call<Page>('GET', '/api/jobs/rep/runs/1/report?kind=migrated&offset=10&limit=10')).json.rows, ...last.json.rows];
    expect(all.map((r) => r.key)).toEqual([...names].sort());
    expect(all[0]).toMatchObject({ status: 'migrated', size: expect.any(Number) });

    expect((await h.call<Page>('GET', '/api/jobs/rep/runs/1/report')).json).toMatchObject({ kind: 'total', offset: 0, limit: 100, total: 25 });
    expect((await h.call<Page>('GET', '/api/jobs/rep/runs/1/report?kind=failed')).json).toMatchObject({ total: 0, rows: [] });
  });

  it('refuses bad paging with 400 naming the parameter', async () => {
    for (const [q, field] of [['kind=lost', 'kind'], ['limit=0', 'limit'], ['limit=1001', 'limit'], ['offset=-1', 'offset'], ['offset=x', 'offset'], ['page=2', 'page']]) {
      const r = await h.call<{ error: { field: string } }>('GET', `/api/jobs/rep/runs/1/report?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json.error.field, q).toBe(field);
    }
  });

  it('downloads a whole report as CSV or JSON lines', async () => {
    const csv = await h.call('GET', '/api/jobs/rep/runs/1/report/download?kind=migrated');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="rep-run1-migrated.csv"');
    const lines = csv.text.trimEnd().split('\n');
    expect(lines[0]).toBe('key,status,size,srcEtag,srcCrc64,dstEtag,dstCrc64,srcMtime,startedAt,endedAt,reason,error,attempts');
    expect(lines).toHaveLength(26);
    expect(csv.text).toContain('"a,b.txt",migrated,');
    expect(csv.text).toContain('"say ""hi"".txt",migrated,');

    const failed = await h.call('GET', '/api/jobs/rep/runs/latest/report/download?kind=failed');
    expect(failed.text).toBe('key,status,size,srcEtag,srcCrc64,dstEtag,dstCrc64,srcMtime,startedAt,endedAt,reason,error,attempts\n');

    const jsonl = await h.call('GET', '/api/jobs/rep/runs/1/report/download?kind=total&format=jsonl');
    expect(jsonl.headers.get('content-disposition')).toBe('attachment; filename="rep-run1-total.jsonl"');
    const rows = jsonl.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { key: string });
    expect(rows.map((r) => r.key)).toEqual([...names].sort());
    expect((await h.call('GET', '/api/jobs/rep/runs/1/report/download?format=xml')).status).toBe(400);
  });

  it('streams in slices, releasing the database between them', async () => {
    const reader = reportStream(h.home.db, 'rep', 1, 'migrated', 'csv', 10).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value).trimEnd().split('\n')).toHaveLength(11);
    // Between two reads the connection is free for the jobs that share it.
    expect(h.home.db.prepare('SELECT COUNT(*) AS n FROM run_results').get()).toEqual({ n: 25 });
    let text = new TextDecoder().decode(first.value);
    let chunks = 1;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks++;
      text += new TextDecoder().decode(value);
    }
    expect(chunks).toBe(3);
    expect(text.trimEnd().split('\n')).toHaveLength(26);
  });
});
