import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/index.js';

export const KEY_FILE = 'secret.key';
export const SECRET_KEY_ENV = 'FERRY_SECRET_KEY';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = 'v1';

/**
 * Seals secrets with AES-256-GCM so the database never holds them in clear.
 * Stored form: `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>`.
 *
 * The key is loaded lazily: homes whose addresses hold no clear secret never
 * get a key file.
 */
export class SecretBox {
  private key: Buffer | undefined;

  constructor(private readonly loadKey: () => Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    checkKeyLength(key, 'the secret key');
    return new SecretBox(() => key);
  }

  /**
   * The key from `FERRY_SECRET_KEY` when set (so several machines can share
   * one), else `<home>/secret.key`, created on first use.
   */
  static forHome(home: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    return new SecretBox(() => {
      const fromEnv = env[SECRET_KEY_ENV];
      return fromEnv ? parseKeyText(fromEnv, SECRET_KEY_ENV) : loadOrCreateKeyFile(home);
    });
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.getKey(), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64'), tag.toString('base64'), data.toString('base64')].join(':');
  }

  /** `owner` names the address the secret belongs to, for the error message. */
  decrypt(sealed: string, owner: string): string {
    const fail = (cause?: unknown): FerryError =>
      new FerryError('CONFIG', `cannot decrypt secret of address ${owner}: wrong secret key?`, {
        fatal: true,
        cause,
      });
    const parts = sealed.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw fail();
    const key = this.getKey(); // key errors say what is wrong with the key itself
    try {
      const [, iv, tag, data] = parts as [string, string, string, string];
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw fail(err);
    }
  }

  private getKey(): Buffer {
    this.key ??= this.loadKey();
    return this.key;
  }
}

/** Accepts 64 hex characters or base64 of 32 bytes. Never echoes the value. */
export function parseKeyText(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : Buffer.alloc(0);
  checkKeyLength(key, source, 'must be 32 bytes written as 64 hex characters or base64');
  return key;
}

function checkKeyLength(key: Buffer, source: string, hint = 'must be 32 bytes'): void {
  if (key.length !== KEY_BYTES) throw new FerryError('CONFIG', `${source} ${hint}`, { fatal: true });
}

function loadOrCreateKeyFile(home: string): Buffer {
  const file = join(home, KEY_FILE);
  const existing = readKeyFile(file);
  if (existing) return existing;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // Write aside then hard-link into place: link fails if the file exists, so
  // two processes racing here agree on one key and nobody reads half a file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  const key = readKeyFile(file);
  if (!key) throw new FerryError('CONFIG', `cannot create ${file}`, { fatal: true });
  return key;
}

function readKeyFile(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FerryError('CONFIG', `cannot read ${file}: ${(err as Error).message}`, { fatal: true, cause: err });
  }
  // Raw bytes as Ferry writes them; a hand-made hex/base64 file works too.
  return bytes.length === KEY_BYTES ? bytes : parseKeyText(bytes.toString('utf8'), file);
}
