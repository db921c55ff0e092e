import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { describeError } from '../core/index.js';
import { registerConsole } from '../console/index.js';
import { requireAuth, SESSION_COOKIE, Sessions, verifyToken } from './auth.js';
import { readBody } from './body.js';
import type { AppDeps } from './deps.js';
import { ApiError, notFound, toErrorResponse, unauthorized } from './errors.js';
import { addressRoutes } from './routes/addresses.js';
import { eventRoutes } from './routes/events.js';
import { jobRoutes } from './routes/jobs.js';
import { openApiRoutes } from './routes/openapi.js';
import { reportRoutes } from './routes/reports.js';
import { loginBodySchema } from './schemas.js';

export type { AppDeps } from './deps.js';

/** The console is same-origin only: no inline script, no framing, no third-party anything. */
const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
  c.header(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  );
};

/**
 * `ferry serve`'s HTTP side: the REST API under `/api` and the web console
 * under `/`, all behind the token (see auth.ts). A plain Hono app, so tests
 * call `app.request()` without opening a port.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const sessions = new Sessions();
  const log = deps.log ?? (() => undefined);

  app.use('*', securityHeaders);
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new ApiError(413, 'TOO_LARGE', 'the body is larger than 1 MiB');
      },
    }),
  );
  app.use('*', requireAuth(deps.tokenHash, sessions));

  app.post('/api/login', async (c) => {
    const { token } = await readBody(c, loginBodySchema);
    if (!verifyToken(token, deps.tokenHash)) throw unauthorized('the token is not valid');
    setCookie(c, SESSION_COOKIE, sessions.create(), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: Sessions.ttlSeconds,
      secure: new URL(c.req.url).protocol === 'https:',
    });
    return c.json({ ok: true });
  });

  app.post('/api/logout', (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) sessions.end(id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  app.get('/api/info', (c) =>
    c.json({ name: 'ferry', scheduler: deps.scheduler !== undefined, runningJobs: deps.scheduler?.runningJobs() ?? [] }),
  );

  app.route('/api/addresses', addressRoutes(deps));
  app.route('/api/jobs', jobRoutes(deps));
  app.route('/api/jobs', reportRoutes(deps));
  app.route('/', eventRoutes(deps));
  app.route('/', openApiRoutes());
  if (deps.console !== false) registerConsole(app);

  app.notFound((c) => {
    if (!c.req.path.startsWith('/api')) return c.text('Not found', 404);
    const { status, body } = toErrorResponse(notFound('route', `${c.req.method} ${c.req.path}`));
    return c.json(body, status);
  });

  app.onError((err, c) => {
    const { status, body, unexpected } = toErrorResponse(err);
    if (unexpected) log(`${c.req.method} ${c.req.path}: ${describeError(err)}`);
    return c.json(body, status);
  });

  return app;
}
