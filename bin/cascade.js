#!/usr/bin/env node
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher for the compiled CLI */
// The installed `cascade` command runs the compiled CLI in dist/: `npm install` builds it (the
// `prepare` script), `npm run build` rebuilds it after a change. `npm run cascade -- ...` runs the
// TypeScript source instead, with no build.
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
try {
  require.resolve(entry);
} catch {
  process.stderr.write(
    `error: the cascade command is not built (no ${entry}): run \`npm run build\` in ${path.dirname(__dirname)}\n`,
  );
  process.exit(1);
}
require(entry);
