import { afterEach, describe, expect, it } from 'vitest';
import { hashToken, setupToken, storedTokenHash, verifyToken } from '../../src/api/auth.js';
import { isLoopback, parseListen } from '../../src/api/server.js';
import { openHome } from '../../src/home/index.js';
import { ApiHarness, TEST_TOKEN } from '../helpers/api-app.js';
import { newHomeDir, registerSecret } from '../helpers/artifacts.js';
import { ENV_TOKEN, FLAG_TOKEN } from '../helpers/test-secrets.js';

const harnesses: ApiHarness[] = [];
const harness = (): ApiHarness => {
  const h = new ApiHarness();
  harnesses.push(h);
  return h;
};
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe('API authentication', () => {
  it('refuses every API route without a token or with a bad one', async () => {
    const h = harness();
    for (const [method, path] of [['GET', '/api/jobs'], ['GET', '/api/addresses'], ['POST', '/api/jobs'], ['GET', '/api/openapi.json'], ['GET', '/api/events'], ['GET', '/api/nope']]) {
      const none = await h.call(method!, path!, undefined, { auth: false });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.json).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String), field: 'token' } });
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const bad = await h.call(method!, path!, undefined, { auth: false, headers: { Authorization: 'Bearer not-the-token-at-all' } });
      expect(bad.status).toBe(401);
      expect(bad.json).toMatchObject({ error: { code: 'UNAUTHORIZED', message: 'the token is not valid' } });
    }
    expect((await h.call('GET', '/api/jobs', undefined, { auth: false, headers: { Authorization: `Basic ${TEST_TOKEN}` } })).status).toBe(401);
    expect((await h.call('GET', '/api/jobs')).status).toBe(200);
    expect((await h.call('GET', '/api/nope')).status).toBe(404);
  });

  it('sends pages to the login page, but serves the login page and the assets to anyone', async () => {
    const h = harness();
    for (const path of ['/', '/jobs', '/jobs/new', '/addresses', '/jobs/x']) {
      const res = await h.app.request(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/login/);
    }
    expect((await h.app.request('/jobs/x')).headers.get('location')).toBe('/login?next=%2Fjobs%2Fx');
    const login = await h.app.request('/login');
    expect(login.status).toBe(200);
    const html = await login.text();
    expect(html).toContain('<!doctype html>');
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    for (const a of assets) expect((await h.app.request(a)).status).toBe(200);
    expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('logs the console in with a session cookie, refuses cross-origin changes and logs out', async () => {
    const h = harness();
    expect((await h.call('POST', '/api/login', { token: 'wrong-token-123456' }, { auth: false })).status).toBe(401);
    expect((await h.call('POST', '/api/login', {}, { auth: false })).json).toMatchObject({ error: { field: 'token' } });
    const ok = await h.call('POST', '/api/login', { token: TEST_TOKEN }, { auth: false });
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^ferry_session=[\w-]+;/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain(TEST_TOKEN);
    const cookie = setCookie.split(';')[0]!;
    expect((await h.call('GET', '/api/jobs', undefined, { auth: false, headers: { Cookie: cookie } })).status).toBe(200);
    expect((await h.app.request('/jobs', { headers: { Cookie: cookie } })).status).toBe(200);
    const body = { name: 'x', type: 'local', path: h.dir };
    const foreign = await h.call('POST', '/api/addresses', body, { auth: false, headers: { Cookie: cookie, Origin: 'http://evil.example', Host: 'localhost' } });
    expect(foreign.status).toBe(403);
    const same = await h.call('POST', '/api/addresses', body, { auth: false, headers: { Cookie: cookie, Origin: 'http://localhost', Host: 'localhost' } });
    expect(same.status).toBe(201);
    expect((await h.call('POST', '/api/logout', undefined, { auth: false, headers: { Cookie: cookie } })).status).toBe(204);
    expect((await h.call('GET', '/api/jobs', undefined, { auth: false, headers: { Cookie: cookie } })).status).toBe(401);
    expect((await h.call('GET', '/api/jobs', undefined, { auth: false, headers: { Cookie: 'ferry_session=made-up' } })).status).toBe(401);
  });
});

describe('API token', () => {
  it('is generated once, stored only as a salted hash, and overridden by --token or FERRY_TOKEN', () => {
    const home = openHome(newHomeDir('token'));
    try {
      const first = setupToken(home.db, {});
      registerSecret('generated API token', first.token ?? '');
      expect(first.source).toBe('generated');
      expect(first.token).toMatch(/^fy_[\w-]{43}$/);
      const stored = storedTokenHash(home.db)!;
      expect(stored).toBe(first.hash);
      expect(stored).not.toContain(first.token!);
      expect(verifyToken(first.token!, stored)).toBe(true);
      expect(verifyToken(`${first.token!}x`, stored)).toBe(false);

      const again = setupToken(home.db, {});
      expect(again).toEqual({ hash: stored, source: 'stored' });

      const flag = setupToken(home.db, { flag: FLAG_TOKEN, env: ENV_TOKEN });
      expect(flag.source).toBe('flag');
      expect(verifyToken(FLAG_TOKEN, flag.hash)).toBe(true);
      expect(storedTokenHash(home.db)).toBe(stored);
      expect(setupToken(home.db, { env: ENV_TOKEN }).source).toBe('env');
      expect(() => setupToken(home.db, { flag: 'short' })).toThrow('--token: must be at least 12 characters');

      const renewed = setupToken(home.db, { renew: true });
      expect(renewed.source).toBe('generated');
      expect(verifyToken(first.token!, storedTokenHash(home.db)!)).toBe(false);
    } finally {
      home.close();
    }
  });

  it('salts each hash', () => {
    expect(hashToken('same-token-value')).not.toBe(hashToken('same-token-value'));
    expect(verifyToken('x', 'md5:aa:bb')).toBe(false);
  });
});

describe('--listen', () => {
  it('reads host:port forms and names the flag in errors', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListen('8081')).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(() => parseListen('127.0.0.1')).toThrow(/^--listen: cannot read/);
    expect(() => parseListen('1.2.3.4:70000')).toThrow('--listen: port 70000 is not in 0-65535');
    expect(() => parseListen('300.1.1.1:80')).toThrow('--listen: 300.1.1.1 is not an IPv4 address');
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0')).toBe(true);
  });
});
