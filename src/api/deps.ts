import type Database from 'better-sqlite3';
import { resolveLocation, type AddressRepository } from '../addresses/index.js';
import type { SecretBox } from '../home/index.js';
import type { JobRepository } from '../jobs/job-repository.js';
import type { JobScheduler } from '../jobs/job-scheduler.js';
import type { ObjectStore, StoreSpec } from '../stores/index.js';

/** What the API and console work with: the home's database and repositories. */
export interface AppDeps {
  db: Database.Database;
  /** The Ferry home folder (job report files live below it). */
  home: string;
  jobs: JobRepository;
  addresses: AddressRepository;
  secretBox: SecretBox;
  /** For addresses whose secret is an environment variable. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** The salted hash of the token this process accepts (see auth.ts). */
  tokenHash: string;
  /** The scheduler running queued jobs in this process, when there is one. */
  scheduler?: JobScheduler;
  /** Opens a store for "test connection". @defaultValue the real stores */
  openStore?: (spec: StoreSpec, role: 'source' | 'destination') => Promise<ObjectStore>;
  /** Where unexpected errors are logged (never a secret: messages only). */
  log?: (line: string) => void;
  /** Progress events every this many ms. @defaultValue 1000 */
  sseIntervalMs?: number;
  /** Serve the web console at `/`. @defaultValue true */
  console?: boolean;
}

/** `NAME`, `NAME:sub/prefix` or a local path, resolved as `ferry copy` and `ferry job create` do. */
export function resolverOf(deps: AppDeps): (location: string, field: string) => StoreSpec {
  return (location, field) => resolveLocation(location, deps.addresses, deps.env ?? process.env, deps.secretBox, { field });
}
