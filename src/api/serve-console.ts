import type { AddressRepository } from '../addresses/index.js';
import type { FerryHome } from '../home/index.js';
import type { JobRepository } from '../jobs/job-repository.js';
import type { JobScheduler } from '../jobs/job-scheduler.js';
import { createApp } from './app.js';
import { setupToken, TOKEN_ENV } from './auth.js';
import { isLoopback, startServer, type ListenAddress, type RunningServer } from './server.js';

export interface ServeConsoleOptions {
  listen: ListenAddress;
  home: FerryHome;
  jobs: JobRepository;
  addresses: AddressRepository;
  scheduler: JobScheduler;
  env: NodeJS.ProcessEnv;
  /** `--token`. */
  token?: string;
  /** `--new-token`: replace the stored token. */
  newToken?: boolean;
  /** Where a newly generated token is printed (once). */
  stdout: NodeJS.WritableStream;
  log: (line: string) => void;
}

/** The HTTP side of `ferry serve`: decides the token, builds the app and listens. */
export async function serveConsole(o: ServeConsoleOptions): Promise<RunningServer> {
  const setup = setupToken(o.home.db, { flag: o.token, env: o.env[TOKEN_ENV] || undefined, renew: o.newToken });
  const app = createApp({
    db: o.home.db,
    home: o.home.dir,
    jobs: o.jobs,
    addresses: o.addresses,
    secretBox: o.home.secretBox,
    env: o.env,
    tokenHash: setup.hash,
    scheduler: o.scheduler,
    log: o.log,
  });
  const server = await startServer(app, o.listen);
  if (setup.token !== undefined) {
    o.stdout.write(
      `\nA new API token was generated. It is shown only now (only its hash is stored): keep it.\n\n    ${setup.token}\n\n` +
        `Log in to the console with it, or send "Authorization: Bearer <token>". Lost it? ferry serve --new-token\n\n`,
    );
  }
  const from = { flag: '--token', env: TOKEN_ENV, stored: 'the token printed at the first start', generated: 'the token above' }[setup.source];
  o.log(`web console and REST API on ${server.url}/ (log in with ${from}; API described at ${server.url}/api/openapi.json)`);
  if (!isLoopback(o.listen.host)) {
    o.log(`warning: listening on ${o.listen.host}, not only this machine: the token travels in clear over HTTP; put a TLS proxy in front`);
  }
  return server;
}
