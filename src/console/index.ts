import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { PROVIDER_NAMES, providerQuirks } from '../stores/s3/index.js';
import { CONSOLE_JS } from './script.js';
import { CONSOLE_CSS } from './style.js';

/**
 * The web console: a few server-rendered page shells, one stylesheet and one
 * script, all embedded here (no bundler, nothing to copy at build time). The
 * script draws each page from the API, in the user's browser; pages carry no
 * data of their own, so none can leak a secret.
 */

type PageId = 'login' | 'jobs' | 'job' | 'new-job' | 'addresses';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const version = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);
const JS_PATH = `/assets/console-${version(CONSOLE_JS)}.js`;
const CSS_PATH = `/assets/console-${version(CONSOLE_CSS)}.css`;

const NAV: readonly { page: PageId; href: string; label: string }[] = [
  { page: 'jobs', href: '/jobs', label: 'Jobs' },
  { page: 'new-job', href: '/jobs/new', label: 'New job' },
  { page: 'addresses', href: '/addresses', label: 'Addresses' },
];

/** A page shell: header and navigation, an empty main the script fills, and data the script needs. */
export function pageHtml(page: PageId, title: string, data: Record<string, string> = {}): string {
  const attrs = Object.entries({ page, ...data })
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
  const nav =
    page === 'login'
      ? ''
      : `<nav aria-label="Main">${NAV.map((n) => `<a href="${n.href}"${n.page === page || (page === 'job' && n.page === 'jobs') ? ' aria-current="page"' : ''}>${n.label}</a>`).join('')}</nav>
      <div class="header-right"><a href="/api/openapi.json" class="muted">API</a><button type="button" id="logout" class="link">Log out</button></div>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(title)} · Ferry</title>
  <link rel="stylesheet" href="${CSS_PATH}">
  <link rel="icon" href="data:,">
</head>
<body${attrs}>
  <header class="top">
    <a class="brand" href="/jobs"><span class="logo" aria-hidden="true">F</span>Ferry</a>
    ${nav}
  </header>
  <main id="main" tabindex="-1"><p class="loading">Loading…</p></main>
  <noscript><p class="error-box">The Ferry console needs JavaScript.</p></noscript>
  <script src="${JS_PATH}"></script>
</body>
</html>`;
}

function html(c: Context, body: string): Response {
  c.header('Cache-Control', 'no-store');
  return c.html(body);
}

/** Mounts the console's pages and assets on the app (behind the same authentication as the API). */
export function registerConsole(app: Hono): void {
  const providers = JSON.stringify(PROVIDER_NAMES.map((name) => ({ name, title: providerQuirks(name).title })));
  const asset = (type: string, text: string) => (c: Context) => {
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(text);
  };
  app.get(JS_PATH, asset('text/javascript; charset=utf-8', CONSOLE_JS));
  app.get(CSS_PATH, asset('text/css; charset=utf-8', CONSOLE_CSS));

  app.get('/', (c) => c.redirect('/jobs', 302));
  app.get('/login', (c) => html(c, pageHtml('login', 'Log in')));
  app.get('/jobs', (c) => html(c, pageHtml('jobs', 'Jobs')));
  app.get('/jobs/new', (c) => html(c, pageHtml('new-job', 'New job', { providers })));
  app.get('/jobs/:name', (c) => html(c, pageHtml('job', c.req.param('name'), { job: c.req.param('name') })));
  app.get('/addresses', (c) => html(c, pageHtml('addresses', 'Addresses', { providers })));
}
