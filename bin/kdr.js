#!/usr/bin/env node
// The `kdr` command: runs the TypeScript CLI (app/kdr.ts) through tsx's require hook, no build step.
require('tsx/cjs');
require('../app/kdr.ts').run(process.argv.slice(2));
