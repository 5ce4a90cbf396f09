// The web UI with two masters behind a real ZooKeeper, in headless chromium: opened on the
// master that does not lead, whose /master/state answers 307 to the leader (another origin, no
// CORS), the page moves to the leader through /master/redirect, on the same view, and says
// which master it is on; when that leader dies, the banner offers the master that sent the
// page there, which then leads.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type Daemon, startMaster, waitFor } from '../helpers/cluster.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';
import { chromiumMissing, launchChromium, openPage } from './chromium.ts';

const skip = chromiumMissing ?? zookeeperUnavailable() ?? false;

let zk: ZooKeeperCluster | undefined;
let browser: Browser | undefined;
const masters: Daemon[] = [];

before(async () => {
  if (skip) return;
  zk = await ZooKeeperCluster.standalone();
  const args = [`--zk=${zk.url('/webui-ha')}`, '--quorum=1', '--zk_session_timeout=2secs', '--hostname=127.0.0.1'];
  masters.push(await startMaster(args), await startMaster(args));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await Promise.all(masters.map((m) => m.stop('SIGKILL')));
  await zk?.stop();
});

/** [leader, follower], once one serves /master/state and the other redirects to it. */
async function roles(): Promise<[Daemon, Daemon]> {
  return waitFor('a leader and a follower', async () => {
    const status = await Promise.all(masters.map((m) => fetch(`${m.url}/master/state`, { redirect: 'manual' }).then((r) => r.status)));
    if (status[0] === 200 && status[1] === 307) return [masters[0]!, masters[1]!] as [Daemon, Daemon];
    if (status[1] === 200 && status[0] === 307) return [masters[1]!, masters[0]!] as [Daemon, Daemon];
    return undefined;
  });
}

describe('web UI behind ZooKeeper', { skip }, () => {
  test('opened on a follower, it moves to the leader on the same view, names the master it is on, and follows a failover', async () => {
    const [leader, follower] = await roles();
    const rec = await openPage(browser!);
    await rec.page.goto(`${follower.url}/#/agents`);
    await rec.page.waitForURL(`${leader.url}/#/agents`, { timeout: 15_000 });
    const at = rec.page.locator('.navbar .master-at');
    await at.waitFor();
    await waitFor(
      'the nav to name the leader',
      async () => (await at.textContent())?.trim() === `127.0.0.1:${leader.port} (leader)`,
      10_000,
    );
    assert.equal(await rec.page.locator('[data-banner]').count(), 0, 'no banner once on the leader');
    assert.deepEqual(rec.errors, []);
    assert.deepEqual(rec.dialogs, []);

    // The leader dies: the banner offers the master that sent the page there, which now leads.
    leader.proc.kill('SIGKILL');
    const back = rec.page.locator('[data-banner="master-down"] a[data-fallback-master]');
    await back.waitFor({ timeout: 15_000 });
    assert.equal(await back.textContent(), `Go to 127.0.0.1:${follower.port}`);
    await back.click();
    await rec.page.waitForURL(`${follower.url}/#/agents`, { timeout: 30_000 });
    await waitFor(
      'the nav to name the new leader',
      async () => (await at.textContent())?.trim() === `127.0.0.1:${follower.port} (leader)`,
      15_000,
    );
    assert.deepEqual(rec.errors, []);
  });
});
