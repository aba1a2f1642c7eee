#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (`npm run build`, run by `npm ci` through `prepare`).
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../dist/services/cli/main.js').main(process.argv);
