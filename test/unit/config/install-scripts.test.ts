// A new user's first `npm ci` must be quiet: npm 11 skips a dependency's install scripts unless package.json's
// allowScripts covers it, and warns about every package it has no decision for. A dependency update that brings
// a new install script fails here, naming the package, before a user sees the warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

function installedPackages(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (!e.isDirectory() || e.name.startsWith('.')) return [];
    const full = path.join(dir, e.name);
    if (e.name.startsWith('@')) return installedPackages(full);
    const nested = installedPackages(path.join(full, 'node_modules'));
    return fs.existsSync(path.join(full, 'package.json')) ? [full, ...nested] : nested;
  });
}

test('every installed dependency with an install script has a decision in package.json allowScripts', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    allowScripts?: Record<string, boolean>;
  };
  const decided = new Set(Object.keys(manifest.allowScripts ?? {}).map((k) => k.replace(/(?<=.)@[^@]*$/, '')));
  const packages = installedPackages(path.join(root, 'node_modules'));
  assert.ok(packages.length > 50, 'node_modules is installed');
  const undecided = new Set<string>();
  for (const dir of packages) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      scripts?: Record<string, string>;
    };
    const scripts = INSTALL_SCRIPTS.filter((s) => pkg.scripts?.[s]);
    // binding.gyp without an install script still makes npm run node-gyp rebuild
    if (scripts.length === 0 && !fs.existsSync(path.join(dir, 'binding.gyp'))) continue;
    if (pkg.name && !decided.has(pkg.name)) undecided.add(pkg.name);
  }
  assert.deepEqual(
    [...undecided],
    [],
    `add each to allowScripts (npm install-scripts approve|deny <pkg>) and say why in the README`,
  );
});
