import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../core/index.js';
import type { S3Credentials } from '../stores/store-spec.js';

export type IniSections = Map<string, Map<string, string>>;

/**
 * Just enough INI for `~/.aws/credentials`: `[section]`, `key = value`,
 * whole-line `#`/`;` comments. Values are not unquoted and inline `#` is
 * kept, as botocore does. Indented lines belong to nested blocks
 * (`s3 =\n  max_concurrent_requests = 20`) and are skipped.
 */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s/.test(raw) && current) continue;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      const name = (header[1] ?? '').trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !current) continue;
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}

export function awsCredentialsFile(env: NodeJS.ProcessEnv): string {
  const file = env.AWS_SHARED_CREDENTIALS_FILE;
  if (file) return file.startsWith('~/') ? join(homedir(), file.slice(2)) : file;
  return join(homedir(), '.aws', 'credentials');
}

/** Credentials of `profile`, read now so rotated keys are picked up. `owner` names the address for messages. */
export function readAwsProfile(profile: string, env: NodeJS.ProcessEnv, owner: string): S3Credentials {
  const file = awsCredentialsFile(env);
  const fail = (why: string, cause?: unknown): FerryError =>
    new FerryError('CONFIG', `address "${owner}": ${why}`, { fatal: true, cause });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fail(`cannot read AWS credentials file ${file} (profile ${profile})`, err);
  }
  const section = parseIni(text).get(profile);
  if (!section) throw fail(`profile "${profile}" not found in ${file}`);
  const accessKeyId = section.get('aws_access_key_id');
  const secretAccessKey = section.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) {
    throw fail(`profile "${profile}" in ${file} lacks aws_access_key_id or aws_secret_access_key`);
  }
  const sessionToken = section.get('aws_session_token');
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
