// The API app over a fresh Ferry home, called with app.request() (no port).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { AddressRepository, resolveLocation } from '../../src/addresses/index.js';
import { createApp, type AppDeps } from '../../src/api/app.js';
import { hashToken } from '../../src/api/auth.js';
import { openHome, type FerryHome } from '../../src/home/index.js';
import { JobRepository } from '../../src/jobs/job-repository.js';
import { JobScheduler } from '../../src/jobs/job-scheduler.js';
import { openStore } from '../../src/stores/index.js';
import { recordResponses } from './api-recorder.js';
import { newHomeDir } from './artifacts.js';
import { API_TEST_TOKEN } from './test-secrets.js';

export const TEST_TOKEN = API_TEST_TOKEN;

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

/**
 * The home is a new one in the run's artifacts and every response is
 * recorded there (test/helpers/artifacts.ts); `dir` is a scratch folder for
 * test data, outside them.
 */
export class ApiHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'ferry-api-'));
  readonly home: FerryHome;
  readonly jobs: JobRepository;
  readonly addresses: AddressRepository;
  readonly app: Hono;
  readonly env: NodeJS.ProcessEnv;
  private scheduler: JobScheduler | undefined;

  constructor(extra: Partial<AppDeps> = {}, env: NodeJS.ProcessEnv = {}) {
    this.env = env;
    this.home = openHome(newHomeDir('api'), env);
    this.jobs = new JobRepository(this.home.db);
    this.addresses = new AddressRepository(this.home.db, this.home.secretBox);
    this.app = createApp({
      db: this.home.db,
      home: this.home.dir,
      jobs: this.jobs,
      addresses: this.addresses,
      secretBox: this.home.secretBox,
      env,
      tokenHash: hashToken(TEST_TOKEN),
      sseIntervalMs: 50,
      ...extra,
    });
    recordResponses(this.app);
  }

  /** Calls the app with the token (unless `auth` is false or another header is given). */
  async call<T = unknown>(method: string, path: string, body?: unknown, opts: { auth?: boolean; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...(opts.auth === false ? {} : { Authorization: `Bearer ${TEST_TOKEN}` }), ...opts.headers };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await this.app.request(path, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: json as T };
  }

  /** Runs queued jobs in this process, as `ferry serve` does. */
  startScheduler(): JobScheduler {
    this.scheduler = new JobScheduler({
      db: this.home.db,
      home: this.home.dir,
      jobs: this.jobs,
      resolve: (location, field) => resolveLocation(location, this.addresses, this.env, this.home.secretBox, { field }),
      openStore,
      tickMs: 50,
      log: () => undefined,
    });
    this.scheduler.start();
    return this.scheduler;
  }

  /** Polls the job until `until` holds (or fails after `ms`). */
  async waitFor(name: string, until: (job: { state: string; running: boolean }) => boolean, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const job = this.jobs.get(name);
      const running = this.scheduler?.runningJobs().includes(name) ?? false;
      if (until({ state: job.state, running })) return;
      if (Date.now() > end) throw new Error(`job ${name} stayed ${job.state}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    await this.scheduler?.stop();
    this.home.close();
  }
}
