import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/core/index.js';
import { describeTarget, parseQueueUrl, queueTargetFrom } from '../../src/runners/bullmq/queue-url.js';

const usage = (text: string): string => {
  try {
    parseQueueUrl(text);
  } catch (err) {
    expect(isFerryError(err) && err.code).toBe('USAGE');
    expect(isFerryError(err) && err.field).toBe('--queue');
    return (err as Error).message;
  }
  throw new Error(`${text} was accepted`);
};

describe('--queue URL', () => {
  it('reads host, port, database and credentials', () => {
    expect(parseQueueUrl('redis://10.0.0.5:6380/3')).toEqual({ host: '10.0.0.5', port: 6380, db: 3, username: undefined, password: undefined, tls: false });
    expect(parseQueueUrl('redis://queue.internal')).toMatchObject({ host: 'queue.internal', port: 6379, db: 0 });
    expect(parseQueueUrl('rediss://ferry:p%40ss@[::1]:7000/0')).toEqual({ host: '::1', port: 7000, db: 0, username: 'ferry', password: 'p@ss', tls: true });
  });

  it('refuses what is not a Redis URL, naming --queue', () => {
    expect(usage('localhost:6379')).toMatch(/^--queue: .*redis:\/\/HOST:6379\/0/);
    expect(usage('http://host:6379/0')).toMatch(/^--queue: http:\/\/ is not a Redis URL/);
    expect(usage('redis://host:6379/zero')).toMatch(/^--queue: database "zero" is not a number/);
    expect(usage('redis://host/0?timeout=1')).toMatch(/no \?query/);
    expect(usage('not a url')).toMatch(/^--queue: is not a URL/);
  });

  it('never shows the password', () => {
    const t = parseQueueUrl('redis://user:s3cret-pass@host:6379/2');
    expect(describeTarget(t)).toBe('redis://user:***@host:6379/2');
    try {
      parseQueueUrl('redis://user:s3cret-pass@host:6379/bad');
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
    }
  });

  it('falls back to FERRY_QUEUE, and says so when that is bad', () => {
    expect(queueTargetFrom(undefined, {})).toBeUndefined();
    expect(queueTargetFrom(undefined, { FERRY_QUEUE: 'redis://q:1/1' })).toMatchObject({ host: 'q', port: 1, db: 1 });
    expect(() => queueTargetFrom(undefined, { FERRY_QUEUE: 'q:1' })).toThrow(/^FERRY_QUEUE: /);
    expect(queueTargetFrom('redis://flag/0', { FERRY_QUEUE: 'redis://env/0' })?.host).toBe('flag');
  });
});
