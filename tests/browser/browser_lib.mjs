// browser_lib.mjs: what the browser tests share: Debian's Chromium driven by
// playwright-core (never a downloaded browser), and where screenshots go.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from '../integration/lib.mjs';

export const ARTIFACTS = path.join(ROOT, 'build', 'artifacts');

/** Headless Chromium with the flags this machine needs (no network of its own). */
export async function launchChromium() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
