#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/ for bin/ferry.js.
//
// Why: Node's ESM loader resolves, reads and links every module one by one.
// The CLI's few hundred modules (zod alone is ~80) cost more start-up CPU
// than a short copy does; one bundle halves it. Code behind a dynamic
// import (the BullMQ runner, the stores) stays in chunks loaded on first use.
// Packages with native code or their own file layout stay external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { cli: join(root, 'dist', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // better-sqlite3 loads a .node file; bullmq/ioredis/msgpackr are only used in distributed mode
  // and find optional native parts relative to their own files.
  external: ['better-sqlite3', 'bullmq', 'ioredis', 'msgpackr', 'msgpackr-extract'],
  // CommonJS packages inside an ESM bundle call require() for node built-ins.
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
