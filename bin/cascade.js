#!/usr/bin/env node
'use strict';
// The installed `cascade` command: registers tsx so the TypeScript CLI runs without a build step.
// Both of its hooks, as `node --import tsx` does: CommonJS for the entry's require, ESM for the
// commands' dynamic import('./x.js') (report, setup and the error path load modules on demand).
import('tsx/esm/api').then(({ register }) => {
  register();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS shim must register tsx before loading TypeScript
  require('tsx/cjs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the TypeScript entry point, loaded through tsx
  require('../cli/main.ts');
});
