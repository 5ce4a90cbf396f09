// The guide on one host, from our RPMs: `yum install mesos python-mesos mesos-devel mesos-java`,
// `systemctl start mesos-master`, `curl localhost:5050` and the web UI in a browser,
// `systemctl start mesos-slave` and the agent on the Agents tab, then
// `mesos execute --command="/bin/sleep 10" --master=HOST:5050 --name="whizbang"` and its
// framework and task on the Frameworks tab; `journalctl -u mesos-master` reads like Mesos's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { versionLine } from '../../daemons/common/version.ts';
import { chromiumMissing, launchChromium, openPage, type PageRecord, screenshot } from '../browser/chromium.ts';
import { waitFor } from '../helpers/cluster.ts';
import { PACKAGES } from '../helpers/rpm-install.ts';
import { rpmQuery } from '../packaging/build-cache.ts';
import type { ContainerHost } from './host.ts';
import { type AgentsJson, type StateJson, glogLines, guideExecute } from './mesos.ts';
import { E2ESuite, MASTER_PORT, e2eSkip, getJson, masterUrl } from './suite.ts';

let suite: E2ESuite;
let node: ContainerHost;
let browser: Browser | undefined;
let rec: PageRecord;
let page: Page;

before(
  async () => {
    if (e2eSkip) return;
    suite = await E2ESuite.start('single-node', 1);
    node = (await suite.addHosts([{ name: 'node1' }]))[0]!;
    await suite.boot(node);
  },
  { timeout: 20 * 60_000 },
);
after(async () => {
  await browser?.close();
  await suite?.stop();
});

const url = (hash = '') => `${masterUrl(node)}/${hash}`;

describe('single node, step by step as the guide says', { skip: e2eSkip }, () => {
  it('yum install mesos python-mesos mesos-devel mesos-java installs our four packages', () =>
    suite.step(async () => {
      const out = await suite.install(node);
      assert.match(out, /^Complete!$/m);
      const expected = await Promise.all(suite.build.sets.fedora.map((f) => rpmQuery(f, '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}')));
      const installed = (await node.exec(['rpm', '-q', ...PACKAGES])).stdout.split('\n');
      assert.deepEqual([...installed].sort(), [...expected].sort());
      assert.equal((await node.exec(['mesos', '--version'])).stdout, versionLine());
      // As on Fedora, installing neither enables nor starts a service.
      for (const unit of ['mesos-master', 'mesos-slave']) {
        const u = await node.unit(unit, 'UnitFileState', 'ActiveState');
        assert.deepEqual(u, { UnitFileState: 'disabled', ActiveState: 'inactive' }, unit);
      }
    }));

  it('systemctl start mesos-master; curl localhost:5050 answers with the web UI', () =>
    suite.step(async () => {
      await node.exec(['systemctl', 'start', 'mesos-master']);
      await waitFor(
        'the master to answer on localhost:5050',
        async () => (await node.exec(['curl', '-sf', `localhost:${MASTER_PORT}/health`], { reject: false })).exitCode === 0,
        30_000,
        200,
      );
      const index = await node.sh(`curl -s localhost:${MASTER_PORT}`);
      assert.match(index.stdout, /<title>Mesos<\/title>/);
      const u = await node.unit('mesos-master', 'ActiveState', 'MainPID');
      assert.equal(u['ActiveState'], 'active');
      assert.equal(
        (await node.exec(['ps', '-o', 'user=', '-p', u['MainPID']!])).stdout.trim(),
        'mesos',
        'the master runs as the mesos user',
      );
      const state = await getJson<StateJson>(`${masterUrl(node)}/master/state`);
      assert.equal(state.hostname, node.fqdn);
      assert.equal(state.pid, `master@${node.address}:${MASTER_PORT}`);
    }));

  it('a browser on this machine shows the web UI of the master', { skip: chromiumMissing }, () =>
    suite.step(async () => {
      browser = await launchChromium();
      rec = await openPage(browser);
      page = rec.page;
      await page.goto(url());
      await page.locator('[data-kv="master"]', { hasText: `master@${node.address}:${MASTER_PORT}` }).waitFor({ timeout: 15_000 });
      await screenshot(page, 'e2e-overview');
      assert.deepEqual(rec.errors, []);
    }),
  );

  it('systemctl start mesos-slave; the agent is on the Agents tab', () =>
    suite.step(async () => {
      await node.exec(['systemctl', 'start', 'mesos-slave']);
      const agents = await waitFor(
        'the agent to register',
        async () => {
          const a = await getJson<AgentsJson>(`${masterUrl(node)}/master/slaves`);
          return a.slaves.length === 1 && a.slaves[0]!.active && a.slaves;
        },
        30_000,
        200,
      );
      assert.equal(agents[0]!.hostname, node.fqdn);
      assert.equal(agents[0]!.pid, `slave(1)@${node.address}:5051`);
      if (!browser) return;
      await page.locator('nav a[data-tab="agents"]').click();
      await page.waitForURL(/#\/agents$/);
      await page.locator('[data-table="agents"] tbody tr', { hasText: agents[0]!.id }).waitFor({ timeout: 10_000 });
      assert.match(
        (await page.locator('[data-table="agents"] tbody tr', { hasText: agents[0]!.id }).textContent()) ?? '',
        new RegExp(node.fqdn.replace(/\./g, '\\.')),
      );
      await screenshot(page, 'e2e-agents');
    }));

  it('mesos execute --command="/bin/sleep 10" --name="whizbang" exits 0; the Frameworks tab shows it', () =>
    suite.step(async () => {
      const started = Date.now();
      const run = node.background(guideExecute(node.fqdn), 90_000);
      if (browser) {
        await page.goto(url('#/frameworks'));
        await page.locator('[data-table="active-frameworks"] tbody tr', { hasText: 'mesos-execute instance' }).waitFor({ timeout: 15_000 });
        await screenshot(page, 'e2e-frameworks-running');
      }
      const result = await run;
      assert.equal(result.exitCode, 0, result.all);
      assert.ok(Date.now() - started >= 10_000, 'the task slept 10 s');
      const states = [...result.stdout.matchAll(/Received status update (TASK_\w+) for task 'whizbang'/g)].map((m) => m[1]);
      assert.deepEqual(states, ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);

      const state = await getJson<StateJson>(`${masterUrl(node)}/master/state`);
      const fw = state.completed_frameworks.find((f) => f.name === 'mesos-execute instance');
      assert.ok(fw, 'the framework is among the completed frameworks');
      const task = fw.completed_tasks.find((t) => t.name === 'whizbang');
      assert.equal(task?.state, 'TASK_FINISHED');
      if (!browser) return;
      await page.goto(url('#/frameworks'));
      const row = page.locator('[data-table="completed-frameworks"] tbody tr', { hasText: fw.id });
      await row.waitFor({ timeout: 10_000 });
      await row.locator('a', { hasText: 'mesos-execute instance' }).click();
      await page.waitForURL(new RegExp(`#/frameworks/${fw.id}$`));
      const taskRow = page.locator('[data-table="framework-completed-tasks"] tbody tr', { hasText: 'whizbang' });
      await taskRow.waitFor({ timeout: 10_000 });
      assert.match((await taskRow.textContent()) ?? '', /FINISHED/);
      await screenshot(page, 'e2e-framework-whizbang');
      assert.deepEqual(rec.errors, []);
    }));

  it('journalctl -u mesos-master shows readable one-line log records', () =>
    suite.step(async () => {
      const text = await node.journal('mesos-master');
      // What `journalctl -u mesos-master` prints: a syslog prefix naming the daemon, then the record.
      assert.match(
        text,
        /^\w{3} \d\d \d\d:\d\d:\d\d node1\.example\.com mesos-master\[\d+\]: I\d{4} [\d:.]+ +\d+ master\] Master \S+ \(node1\.example\.com\) started on 0\.0\.0\.0:5050/m,
      );
      assert.match(text, /mesos-master\[\d+\]: I\d{4} .* master\] .*whizbang/);
      assert.doesNotMatch(text, /\x1b\[/, 'no terminal colour codes');
      const lines = await glogLines(node, 'mesos-master');
      assert.ok(lines.length >= 4, `daemon lines: ${lines.length}`);
      for (const line of lines) assert.match(line, /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ master\] \S/, `a glog-style line: ${line}`);
    }));
});
