// Keeps every response of the API under test in the run's artifacts
// (test/helpers/artifacts.ts): status line, headers and body, one file per
// harness, so the secrets scan reads what the API answered. An event
// stream is copied as the test reads it into a file of its own, so a
// stream that never ends is neither held up nor kept open by the copy.
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { testArtifactsDir } from './artifacts.js';

let seq = 0;

function newFile(name: string): string {
  const dir = testArtifactsDir('api');
  for (;;) {
    const path = join(dir, `${String(++seq).padStart(3, '0')}-${name}.http`);
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function describeRequest(input: Request | string | URL, init: RequestInit | undefined): string {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  const url = input instanceof Request ? input.url : String(input);
  // Only the path: app.request() URLs have a made-up host.
  const path = /^\w+:\/\//.test(url) ? url.replace(/^\w+:\/\/[^/]*/, '') : url;
  return `${method.toUpperCase()} ${path}`;
}

function head(what: string, res: Response): string {
  const lines = [`### ${what} -> ${res.status}`];
  res.headers.forEach((value, name) => lines.push(`${name}: ${value}`));
  return `${lines.join('\n')}\n\n`;
}

/** Makes `app.request()` record each response in `<test file>/api/NNN-<name>.http`. */
export function recordResponses(app: Hono, name = 'api'): void {
  let file: string | undefined;
  const request = app.request.bind(app);
  app.request = async (input, init, ...rest) => {
    const res = await request(input, init, ...rest);
    file ??= newFile(name);
    const what = describeRequest(input, init);
    if (res.body && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      const stream = newFile(`${name}-events`);
      appendFileSync(file, `${head(what, res)}(event stream, in ${stream.slice(stream.lastIndexOf('/') + 1)})\n\n`);
      appendFileSync(stream, head(what, res));
      const tap = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          appendFileSync(stream, chunk);
          controller.enqueue(chunk);
        },
      });
      return new Response(res.body.pipeThrough(tap), { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    const body = Buffer.from(await res.clone().arrayBuffer());
    appendFileSync(file, head(what, res));
    appendFileSync(file, body);
    appendFileSync(file, '\n\n');
    return res;
  };
}
