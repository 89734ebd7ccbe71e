#!/usr/bin/env node
'use strict';
// The installed `cascade` command: registers tsx so the TypeScript CLI runs without a build step.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS shim must register tsx before loading TypeScript
require('tsx/cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the TypeScript entry point, loaded through tsx
require('../cli/main.ts');
