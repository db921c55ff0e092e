/**
 * The CLI flag for each address field, so a validation error names what the
 * user typed (`--endpoint`), not an internal property name.
 */
export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  name: 'NAME',
  type: '--type',
  provider: '--provider',
  endpoint: '--endpoint',
  bucket: '--bucket',
  prefix: '--prefix',
  region: '--region',
  accessKeyId: '--access-key-id',
  secretAccessKey: '--secret-access-key',
  secretEnv: '--secret-env',
  profile: '--profile',
  pathStyle: '--path-style',
  path: '--path',
  list: '--list',
};

export function flagFor(field: string): string {
  return FIELD_FLAGS[field] ?? field;
}
