import { describe, expect, it } from 'vitest';
import { ioTimeoutOf, IO_TIMEOUT_ENV } from '../../src/addresses/io-timeout.js';
import { resolveSpec } from '../../src/addresses/index.js';
import type { S3Address } from '../../src/addresses/index.js';
import { ferryErrorOf } from '../helpers/ferry-error-of.js';

describe('FERRY_IO_TIMEOUT', () => {
  it('is a duration in ms, absent when unset or empty', () => {
    expect(ioTimeoutOf({})).toBeUndefined();
    expect(ioTimeoutOf({ [IO_TIMEOUT_ENV]: '' })).toBeUndefined();
    expect(ioTimeoutOf({ [IO_TIMEOUT_ENV]: '30s' })).toBe(30_000);
    expect(ioTimeoutOf({ [IO_TIMEOUT_ENV]: '1m30s' })).toBe(90_000);
    expect(ioTimeoutOf({ [IO_TIMEOUT_ENV]: '250ms' })).toBe(250);
  });

  it('refuses a bare number, zero and absurd values with a usage error naming the variable', () => {
    for (const bad of ['30', '0', '10ms', '2d', 'soon']) {
      const err = ferryErrorOf(() => ioTimeoutOf({ [IO_TIMEOUT_ENV]: bad }));
      expect(err.code).toBe('USAGE');
      expect(err.field).toBe(IO_TIMEOUT_ENV);
      expect(err.message).toContain(IO_TIMEOUT_ENV);
    }
  });

  it('travels in the resolved S3 spec', () => {
    const address = {
      name: 'a', type: 's3', provider: 'ceph', endpoint: 'http://127.0.0.1:7480', bucket: 'b', prefix: '',
      createdAt: '', updatedAt: '',
    } as unknown as S3Address;
    const box = { decrypt: () => '' } as never;
    const spec = resolveSpec(address, { [IO_TIMEOUT_ENV]: '5s' }, box);
    expect(spec).toMatchObject({ type: 's3', ioTimeoutMs: 5000 });
    expect(resolveSpec(address, {}, box)).toMatchObject({ ioTimeoutMs: undefined });
  });
});
