// The overview on a laptop screen (1366×768: nothing cut off), its live allocation chart, and the
// page kept current by the master's operator event stream instead of polling master/state, and
// polling again while the stream is down.
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

  const count = (path: string, since: number) => requests.filter((r) => r.url.endsWith(path) && r.at >= since).length;

  test('with the event stream up, master/state is read every 30 s, not every second', async () => {
    await page.locator('.updated[data-source="stream"]').waitFor();
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 5_000));
    assert.ok(count('/master/state', since) <= 1, `${count('/master/state', since)} master/state reads in 5 s`);
    assert.ok(count('/metrics/snapshot', since) >= 3, `${count('/metrics/snapshot', since)} metrics reads in 5 s`);
    assert.equal(count('/api/v1', 0), 1, 'one SUBSCRIBE since the page loaded');
  });

  test('a task launched after load shows, from the stream alone (master/state blocked)', async () => {
    let blocked = 0;
    await page.route('**/master/state', (route) => {
      blocked++;
      return route.abort('blockedbyclient');
    });
    task = runMesos([
      'execute',
      `--master=127.0.0.1:${cluster.master.port}`,
      '--name=streamed',
      '--command=/bin/sleep 8',
      '--resources=cpus:1;mem:64',
    ]);
    await page.locator('[data-table="active-tasks"] tbody tr', { hasText: 'streamed' }).waitFor({ timeout: 30_000 });
    // The metrics poll goes on: the chart's legend follows the allocation.
    await page.locator('[data-alloc="cpus"]', { hasText: /^CPUs [1-9]\d* %/ }).waitFor({ timeout: 10_000 });
    // The Resources card counts the streamed task's CPUs as used.
    await page
      .locator('[data-resources="cluster"] [data-resource="cpus"] td:nth-child(3)', { hasText: /^1$/ })
      .waitFor({ timeout: 10_000 });
    assert.ok(blocked <= 1, `${blocked} master/state reads (one at most, the 30 s resync)`);
    assert.equal(await page.locator('[data-banner="master-down"]').count(), 0, 'no outage banner');
    await page.unroute('**/master/state');
    await screenshot(page, 'overview-streamed-task');
  });

  test('without the stream the page polls master/state each second, and subscribes again with backoff', async () => {
    const other = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const seen: { url: string; at: number }[] = [];
    other.on('request', (r) => seen.push({ url: new URL(r.url()).pathname, at: Date.now() }));
    await other.route('**/api/v1', (route) => route.abort('connectionreset'));
    try {
      await other.goto(`${cluster.master.url}/#/`);
      await other.locator('[data-resources="cluster"]').waitFor();
      const since = Date.now();
      await new Promise((r) => setTimeout(r, 5_000));
      const states = seen.filter((r) => r.url.endsWith('/master/state') && r.at >= since).length;
      assert.ok(states >= 3, `${states} master/state reads in 5 s`);
      assert.equal(await other.locator('.updated').getAttribute('data-source'), 'poll');
      // Tries at 0, 1, 3 and 7 s: not every second.
      const subscribes = seen.filter((r) => r.url.endsWith('/api/v1')).length;
      assert.ok(subscribes >= 2 && subscribes <= 5, `${subscribes} SUBSCRIBE attempts`);
      await other.unroute('**/api/v1');
      await other.locator('.updated[data-source="stream"]').waitFor({ timeout: 20_000 });
    } finally {
      await other.close();
    }
  });

  test('a master that answers SUBSCRIBE with 401 is not asked again (no repeated login prompts); polling goes on', async () => {
    const other = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    let subscribes = 0;
    await other.route('**/api/v1', (route) => {
      subscribes++;
      return route.fulfill({ status: 401, body: 'Unauthorized' });
    });
    try {
      await other.goto(`${cluster.master.url}/#/`);
      await other.locator('[data-resources="cluster"]').waitFor();
      await new Promise((r) => setTimeout(r, 4_000));
      assert.equal(subscribes, 1);
      assert.equal(await other.locator('.updated').getAttribute('data-source'), 'poll');
      assert.equal(await other.locator('[data-banner="master-down"]').count(), 0);
    } finally {
      await other.close();
    }
  });
});
