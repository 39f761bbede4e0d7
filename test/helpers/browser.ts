// A real browser for the Temporal UI tests: Debian's Chromium driven by playwright-core. The set-up installs the
// package when it is missing (apt-get, as root); when it cannot, the test fails saying why: never a silent skip.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let installed: Promise<void> | undefined;

/** Makes sure Debian's chromium package is there, installing it with apt-get when it is not. */
export function ensureChromium(): Promise<void> {
  installed ??= (async () => {
    if (fs.existsSync(CHROMIUM)) return;
    if (process.getuid?.() !== 0) {
      throw new Error(
        `${CHROMIUM} is missing and this process is not root: install it with "sudo apt-get install -y chromium"`,
      );
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
      const r = spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 900_000 });
      if (r.status !== 0) {
        const tail = `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' | ');
        throw new Error(`cannot install Chromium: apt-get ${args.join(' ')} failed (exit ${r.status}): ${tail}`);
      }
    }
    if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
  })();
  return installed;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, one page of a desktop size (screenshots for the docs). */
export async function openBrowser(): Promise<BrowserSession> {
  await ensureChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
