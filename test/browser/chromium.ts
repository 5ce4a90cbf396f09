// Headless Debian chromium driven by playwright-core, for the web UI tests: launch flags, the
// skip reason when chromium is not installed, a page that records script errors and dialogs,
// and screenshots (build/screenshots/, or MESOS_SCREENSHOT_DIR, e.g. docs/screenshots).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { ROOT } from '../helpers/cluster.ts';

export const CHROMIUM = process.env.MESOS_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests skip, or undefined when chromium is there. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the web UI tests`;

export const SCREENSHOT_DIR = path.resolve(ROOT, process.env.MESOS_SCREENSHOT_DIR ?? path.join('build', 'screenshots'));

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules` for names only a test network knows. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', ...extraArgs],
  });
}

/** What a page did that a safe UI never does: uncaught errors, alert()s and other dialogs. */
export interface PageRecord {
  page: Page;
  errors: string[];
  dialogs: string[];
}

export async function openPage(browser: Browser): Promise<PageRecord> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const rec: PageRecord = { page, errors: [], dialogs: [] };
  page.on('pageerror', (err) => rec.errors.push(err.message));
  page.on('dialog', (dialog) => {
    rec.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return rec;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
