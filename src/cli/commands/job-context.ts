import { AddressRepository, resolveLocation } from '../../addresses/index.js';
import { openHome, type FerryHome } from '../../home/index.js';
import { JobRepository } from '../../jobs/job-repository.js';
import type { StoreSpec } from '../../stores/index.js';
import type { CliContext } from '../cli-context.js';

/** The home, its repositories and location resolution, opened for one command. */
export interface JobCommandContext {
  home: FerryHome;
  jobs: JobRepository;
  addresses: AddressRepository;
  resolve: (location: string, field: 'SRC' | 'DST') => StoreSpec;
}

export async function withJobs<T>(ctx: CliContext, fn: (j: JobCommandContext) => Promise<T> | T): Promise<T> {
  const home = openHome(ctx.home, ctx.env);
  try {
    const addresses = new AddressRepository(home.db, home.secretBox);
    return await fn({
      home,
      jobs: new JobRepository(home.db),
      addresses,
      resolve: (location, field) => resolveLocation(location, addresses, ctx.env, home.secretBox, { field }),
    });
  } finally {
    home.close();
  }
}
