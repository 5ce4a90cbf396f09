// The guide's multi-node cluster: three hosts on a private network, names in /etc/hosts.
// master.example.com runs `systemctl start mesos-master`; on each worker the only change is
// `export MESOS_master=master.example.com:5050` added to /etc/mesos/mesos-slave-env.sh, then
// `systemctl restart mesos-slave`. The master lists both remote agents, and a task launched
// from the master's host runs on a worker.
import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, screenshot } from '../browser/chromium.ts';
import { waitFor } from '../helpers/cluster.ts';
import type { ContainerHost } from './host.ts';
import { type AgentsJson, type StateJson, allTasks, guideExecute } from './mesos.ts';
import { E2ESuite, e2eSkip, getJson, masterUrl } from './suite.ts';

const WORKER_LINE = 'export MESOS_master=master.example.com:5050\n';

let suite: E2ESuite;
let master: ContainerHost;
let workers: ContainerHost[];
let browser: Browser | undefined;

before(
  async () => {
    if (e2eSkip) return;
    suite = await E2ESuite.start('multi-node', 3);
    const hosts = await suite.addHosts([{ name: 'master' }, { name: 'worker1' }, { name: 'worker2' }]);
    [master] = hosts as [ContainerHost];
    workers = hosts.slice(1);
    await suite.boot(...hosts);
    for (const h of hosts) await suite.install(h);
  },
  { timeout: 20 * 60_000 },
);
after(async () => {
  await browser?.close();
  await suite?.stop();
});

describe('a master and two workers on a private network', { skip: e2eSkip }, () => {
  it('systemctl start mesos-master on master.example.com', () =>
    suite.step(async () => {
      await master.exec(['systemctl', 'start', 'mesos-master']);
      const state = await waitFor('the master to answer', () => getJson<StateJson>(`${masterUrl(master)}/master/state`), 30_000, 200);
      assert.equal(state.pid, `master@${master.address}:5050`);
      for (const w of workers) {
        const reach = await w.exec(['curl', '-sf', 'http://master.example.com:5050/health'], { reject: false });
        assert.equal(reach.exitCode, 0, `${w.fqdn} reaches the master by name: ${reach.all}`);
      }
    }));

  it('each worker: only MESOS_master added to mesos-slave-env.sh, systemctl restart mesos-slave; the master lists the remote agents', () =>
    suite.step(async () => {
      for (const w of workers) {
        const env = w.file('etc/mesos/mesos-slave-env.sh');
        const before = await readFile(env, 'utf8');
        await appendFile(env, WORKER_LINE);
        assert.equal(await readFile(env, 'utf8'), before + WORKER_LINE);
        await w.exec(['systemctl', 'restart', 'mesos-slave']);
      }
      const agents = await waitFor(
        'both workers to register with the master',
        async () => {
          const a = (await getJson<AgentsJson>(`${masterUrl(master)}/master/slaves`)).slaves.filter((s) => s.active);
          return a.length === workers.length && a;
        },
        45_000,
        250,
      );
      assert.deepEqual(agents.map((a) => a.hostname).sort(), workers.map((w) => w.fqdn).sort());
      assert.deepEqual(agents.map((a) => a.pid).sort(), workers.map((w) => `slave(1)@${w.address}:5051`).sort());
      for (const w of workers) {
        assert.match(await w.journal('mesos-slave'), /Registered with master \S+ at master\.example\.com:5050 as agent/);
      }
      if (chromiumMissing) return;
      browser = await launchChromium();
      const { page, errors } = await openPage(browser);
      await page.goto(`${masterUrl(master)}/#/agents`);
      for (const a of agents) await page.locator('[data-table="agents"] tbody tr', { hasText: a.id }).waitFor({ timeout: 15_000 });
      await screenshot(page, 'e2e-multinode-agents');
      assert.deepEqual(errors, []);
    }));

  it('a task launched from the master host runs on a worker', () =>
    suite.step(async () => {
      const result = await master.sh(guideExecute(master.fqdn, 'remote', 'uname -n; sleep 1'), { reject: false, timeout: 60_000 });
      assert.equal(result.exitCode, 0, result.all);
      const state = await getJson<StateJson>(`${masterUrl(master)}/master/state`);
      const task = allTasks(state).find((t) => t.name === 'remote');
      assert.equal(task?.state, 'TASK_FINISHED');
      const agent = state.slaves.find((s) => s.id === task.slave_id);
      assert.ok(agent, `task ran on agent ${task.slave_id}`);
      const worker = workers.find((w) => w.fqdn === agent.hostname);
      assert.ok(worker, `the task ran on a worker, not on ${agent.hostname}`);
      // Its sandbox is on that worker, holding what the task printed there.
      const out = await worker.sh('cat /var/lib/mesos/slaves/*/frameworks/*/executors/remote/runs/*/stdout');
      assert.match(out.stdout, new RegExp(`^${worker.fqdn.replace(/\./g, '\\.')}$`, 'm'));
    }));
});
