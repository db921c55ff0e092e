#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (npm run build).

// The locked AWS SDK supports Node 20; its multi-line "support ends in 2027"
// notice on every run would only clutter the stderr that scripts read.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
