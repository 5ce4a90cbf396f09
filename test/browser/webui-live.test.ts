// The overview on a laptop screen (1366×768: nothing cut off), its live allocation chart, and the
// page kept current by the master's operator event stream instead of polling master/state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type RunResult, runMesos, startCluster } from '../helpers/cluster.ts';
import { chromiumMissing, launchChromium, screenshot } from './chromium.ts';

/** Every element of the overview that is wider inside than it shows: the page, and each card. */
const OVERFLOWS = `(() => {
  const boxes = [['page', document.documentElement], ...[...document.querySelectorAll('.section')].map((s) => [s.id || s.querySelector('h2')?.textContent || 'section', s])];
  return boxes.filter(([, el]) => el.scrollWidth > el.clientWidth).map(([name, el]) => name + ': ' + el.scrollWidth + ' > ' + el.clientWidth);
})()`;

describe('web UI overview: 1366×768, allocation chart, event stream', { skip: chromiumMissing }, () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requests: { url: string; at: number }[] = [];
  let task: Promise<RunResult> | undefined;

  before(async () => {
    cluster = await startCluster();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (r) => requests.push({ url: new URL(r.url()).pathname, at: Date.now() }));
  });

  after(async () => {
    await task;
    await browser?.close();
    await cluster?.stop();
  });

  test('the overview fits 1366×768 (and 1400 px): nothing overflows horizontally', async () => {
    await page.goto(`${cluster.master.url}/#/`);
    await page.locator('[data-resources="cluster"] [data-resource="mem"]').waitFor();
    await page.locator('[data-chart="allocation"] polyline').first().waitFor({ state: 'attached' });
    assert.deepEqual(await page.evaluate(OVERFLOWS), []);
    await screenshot(page, 'overview-1366');
    await page.setViewportSize({ width: 1400, height: 900 });
    assert.deepEqual(await page.evaluate(OVERFLOWS), []);
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  test('the allocation chart draws the samples as lines and the numbers as text', async () => {
    const chart = page.locator('[data-chart="allocation"]');
    const cpus = await chart.locator('[data-alloc="cpus"]').textContent();
    assert.match(cpus ?? '', /^CPUs \d+ % [\d.]+ of [\d.]+$/);
    // Seconds of samples in an hour 600 wide: at the right end.
    const points = await chart.locator('polyline.alloc-cpus').last().getAttribute('points');
    assert.match(points ?? '', /^[\d.]+,[\d.]+( [\d.]+,[\d.]+)+$/);
    const xs = (points ?? '').split(' ').map((p) => Number(p.split(',')[0]));
    assert.ok(
      xs.every((x) => x >= 590 && x <= 600),
      `points ${points}`,
    );
    assert.deepEqual(errors, []);
  });
});
