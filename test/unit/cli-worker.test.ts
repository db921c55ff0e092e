import { describe, expect, it } from 'vitest';
import { FerryCli } from '../helpers/ferry-cli.js';

describe('ferry worker / serve --queue: bad input is one line and exit 2', () => {
  const cli = new FerryCli();

  it('needs a queue URL, from --queue or FERRY_QUEUE', async () => {
    const r = await cli.run('worker');
    expect(r.code).toBe(2);
    expect(r.err).toBe('ferry: --queue: is required (or set FERRY_QUEUE): the Redis URL the coordinator uses, e.g. redis://HOST:6379/0\n');
  });

  it('refuses a URL that is not Redis, and bad numbers, naming the flag', async () => {
    expect((await cli.run('worker', '--queue', 'localhost:6379')).err).toMatch(/^ferry: --queue: .*expected redis:\/\/HOST:6379\/0/);
    expect((await cli.run('worker', '--queue', 'redis://h/0', '--concurrency', '0')).err).toMatch(/^ferry: --concurrency: must be a whole number from 1 to 4096/);
    expect((await cli.run('worker', '--queue', 'redis://h/0', '--bwlimit', 'fast')).err).toMatch(/^ferry: --bwlimit: cannot read "fast"/);
    expect((await cli.run('serve', '--max-waiting', '8')).err).toBe('ferry: --max-waiting: needs --queue\n');
    const env = new FerryCli(undefined, { FERRY_QUEUE: 'http://h/0' });
    const r = await env.run('job', 'status', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ferry: FERRY_QUEUE: http:\/\/ is not a Redis URL/);
  });

  it('says so in one line when nothing answers at the URL, without the password', async () => {
    const r = await cli.run('worker', '--queue', 'redis://:hunter2@127.0.0.1:1/0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ferry: --queue: redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: cannot connect to Redis at 127\.0\.0\.1:1: .*\n$/);
    expect(r.err).not.toContain('hunter2');
  });
});
