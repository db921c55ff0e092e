import { stat } from 'node:fs/promises';
import { FerryError } from '../core/index.js';
import type { ObjectStore } from './object-store.js';
import type { StoreSpec } from './store-spec.js';
import { HttpListStore } from './http-list/index.js';
import { LocalStore } from './local/index.js';
import { S3Store } from './s3/index.js';

export type StoreRole = 'source' | 'destination';

/**
 * Opens the backend a spec names. The role matters for local disks only: as
 * a destination every directory lists as a `dir/` marker, so a source's
 * marker objects find their match; as a source only empty directories do,
 * so they are not lost.
 */
export async function openStore(spec: StoreSpec, role: StoreRole = 'source'): Promise<ObjectStore> {
  switch (spec.type) {
    case 's3':
      return new S3Store(spec);
    case 'local':
      // A mistyped source folder would otherwise list as empty and "succeed" having copied nothing.
      if (role === 'source') await assertDirectory(spec.path);
      return new LocalStore(spec, { markers: role === 'destination' ? 'all' : 'empty' });
    case 'http-list':
      return new HttpListStore(spec);
  }
}

async function assertDirectory(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return;
  const what = info === undefined ? 'does not exist' : 'is not a directory';
  throw new FerryError('CONFIG', `local source ${JSON.stringify(path)} ${what}`, { fatal: true, field: 'path' });
}
