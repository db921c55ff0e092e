import type Database from 'better-sqlite3';
import { FerryError, usageError } from '../core/index.js';
import type { SecretBox } from '../home/index.js';
import type { Address } from './address.js';
import { parseAddressInput, type AddressInput } from './address-schema.js';

interface AddressRow {
  name: string;
  type: string;
  config_json: string;
  secret_enc: string | null;
  secret_env: string | null;
  created_at: string;
  updated_at: string;
}

/** The columns of one address: config without any secret, the secret sealed or named. */
interface StoredColumns {
  type: Address['type'];
  config: Record<string, unknown>;
  secretEnc: string | null;
  secretEnv: string | null;
}

/**
 * Named addresses in the home database. Inputs are validated here, so every
 * caller (CLI, later the HTTP API) gets the same rules; a clear secret is
 * sealed before it reaches SQL.
 */
export class AddressRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly secretBox: SecretBox,
  ) {}

  /** Validates `raw` (see `parseAddressInput`) and stores it. */
  add(raw: unknown, now: Date = new Date()): Address {
    const input = parseAddressInput(raw);
    const cols = this.toColumns(input);
    const at = now.toISOString();
    try {
      this.db
        .prepare(
          `INSERT INTO addresses (name, type, config_json, secret_enc, secret_env, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(input.name, cols.type, JSON.stringify(cols.config), cols.secretEnc, cols.secretEnv, at, at);
    } catch (err) {
      // Caught rather than checked first: another process may add the same name.
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw usageError('NAME', `address "${input.name}" already exists`);
      }
      throw err;
    }
    return this.get(input.name);
  }

  /** Throws a CONFIG error (exit 2) when there is no such address. */
  get(name: string): Address {
    const found = this.find(name);
    if (!found) {
      throw new FerryError('CONFIG', `no address named "${name}" (see ferry address list)`, {
        field: 'NAME',
        fatal: true,
      });
    }
    return found;
  }

  find(name: string): Address | undefined {
    const row = this.db.prepare('SELECT * FROM addresses WHERE name = ?').get(name) as AddressRow | undefined;
    return row && fromRow(row);
  }

  /** All addresses, by name. */
  list(): Address[] {
    const rows = this.db.prepare('SELECT * FROM addresses ORDER BY name').all() as AddressRow[];
    return rows.map(fromRow);
  }

  remove(name: string): void {
    const { changes } = this.db.prepare('DELETE FROM addresses WHERE name = ?').run(name);
    if (changes === 0) this.get(name); // throws the not-found error
  }

  /**
   * Replaces an address with a new full definition (`raw.name` may rename
   * it); only the creation time is kept. The old secret goes too.
   */
  update(name: string, raw: unknown, now: Date = new Date()): Address {
    const input = parseAddressInput(raw);
    const cols = this.toColumns(input);
    const run = this.db.transaction(() => {
      this.get(name);
      if (input.name !== name && this.find(input.name)) {
        throw usageError('NAME', `address "${input.name}" already exists`);
      }
      this.db
        .prepare(
          `UPDATE addresses SET name = ?, type = ?, config_json = ?, secret_enc = ?, secret_env = ?, updated_at = ?
           WHERE name = ?`,
        )
        .run(input.name, cols.type, JSON.stringify(cols.config), cols.secretEnc, cols.secretEnv, now.toISOString(), name);
    });
    run.immediate();
    return this.get(input.name);
  }

  private toColumns(input: AddressInput): StoredColumns {
    switch (input.type) {
      case 's3': {
        const { name: _n, type, secretAccessKey, secretEnv, ...config } = input;
        return {
          type,
          config: dropUndefined(config),
          secretEnc: secretAccessKey === undefined ? null : this.secretBox.encrypt(secretAccessKey),
          secretEnv: secretEnv ?? null,
        };
      }
      case 'local':
        return { type: input.type, config: { path: input.path, prefix: input.prefix }, secretEnc: null, secretEnv: null };
      case 'http-list':
        return { type: input.type, config: { list: input.list, prefix: input.prefix }, secretEnc: null, secretEnv: null };
    }
  }
}

function dropUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function fromRow(row: AddressRow): Address {
  const config = JSON.parse(row.config_json) as Record<string, unknown>;
  const meta = { name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
  switch (row.type) {
    case 's3':
      return {
        ...(config as Omit<Extract<Address, { type: 's3' }>, 'name' | 'type' | 'createdAt' | 'updatedAt'>),
        ...meta,
        type: 's3',
        ...(row.secret_enc === null ? {} : { secretEnc: row.secret_enc }),
        ...(row.secret_env === null ? {} : { secretEnv: row.secret_env }),
      };
    case 'local':
      return { ...meta, type: 'local', path: String(config.path), prefix: String(config.prefix ?? '') };
    case 'http-list':
      return { ...meta, type: 'http-list', list: String(config.list), prefix: String(config.prefix ?? '') };
    default:
      throw new FerryError('CONFIG', `address "${row.name}" has unknown type "${row.type}": upgrade Ferry`, {
        fatal: true,
      });
  }
}
