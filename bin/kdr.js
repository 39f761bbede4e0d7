#!/usr/bin/env node
// The `kdr` command: runs the TypeScript CLI (src/cli.ts) through tsx's require hook, no build step.
require('tsx/cjs');
require('../src/cli.ts').run(process.argv.slice(2));
