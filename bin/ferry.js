#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled into dist/ (npm run build).
import module from 'node:module';

// Node 22+ keeps compiled code between runs; a no-op where the API is missing.
module.enableCompileCache?.();

// The locked AWS SDK supports Node 20; its multi-line "support ends in 2027"
// notice on every run would only clutter the stderr that scripts read.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('../dist/bundle/cli.js');
process.exitCode = await main(process.argv.slice(2));
