#!/usr/bin/env node
'use strict';
// The container health check: `node scripts/healthcheck.js <url>` exits 0 when the URL answers
// 2xx within 4 s. Plain JavaScript, so a check every few seconds costs no TypeScript start-up.
const url = process.argv[2];
if (!url) {
  console.error('usage: healthcheck.js <url>');
  process.exit(2);
}
fetch(url, { signal: AbortSignal.timeout(4000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  (error) => {
    console.error(`${url}: ${error.message}`);
    process.exit(1);
  },
);
