// A host's life after the guide: enabled services come back after a reboot; restarting the
// agent leaves a running task running (KillMode=process, and the agent re-attaches through its
// task supervisor); restarting the master under the guide's whizbang loses nothing and
// `mesos execute` exits 0; `rpm -U` to a newer build keeps an edited env file and restarts
// both services under a running task; `rpm -e` stops them and removes the units.
import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/cluster.ts';
import { PACKAGES } from '../helpers/rpm-install.ts';
import { rpmQuery } from '../packaging/build-cache.ts';
import type { ContainerHost } from './host.ts';
import { type AgentsJson, type StateJson, type TaskJson, allTasks, guideExecute } from './mesos.ts';
import { E2ESuite, UNITS, e2eSkip, getJson, masterUrl } from './suite.ts';

let suite: E2ESuite;
let node: ContainerHost;

before(
  async () => {
    if (e2eSkip) return;
    suite = await E2ESuite.start('lifecycle', 4, { upgrade: true });
    node = (await suite.addHosts([{ name: 'node1' }]))[0]!;
    await suite.boot(node);
    await suite.install(node);
  },
  { timeout: 25 * 60_000 },
);
after(async () => {
  await suite?.stop();
});

async function activeAgent(): Promise<AgentsJson['slaves'][number]> {
  return waitFor(
    'the agent to be registered and active',
    async () => (await getJson<AgentsJson>(`${masterUrl(node)}/master/slaves`)).slaves.find((a) => a.active),
    45_000,
    200,
  );
}

async function task(name: string): Promise<TaskJson | undefined> {
  return allTasks(await getJson<StateJson>(`${masterUrl(node)}/master/state`)).find((t) => t.name === name);
}

async function mainPids(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const unit of UNITS) out[unit] = (await node.unit(unit, 'MainPID'))['MainPID']!;
  return out;
}

describe('enable, reboot, agent restart, upgrade and erase on one host', { skip: e2eSkip }, () => {
  it('systemctl enable; after a reboot both services run and the agent is back', () =>
    suite.step(async () => {
      await node.exec(['systemctl', 'enable', 'mesos-master', 'mesos-slave']);
      for (const unit of UNITS) assert.equal((await node.exec(['systemctl', 'is-enabled', unit])).stdout, 'enabled');
      await suite.reboot(node);
      for (const unit of UNITS) {
        const u = await waitFor(
          `${unit} to be active after the reboot`,
          async () => {
            const p = await node.unit(unit, 'ActiveState', 'NRestarts');
            return p['ActiveState'] === 'active' && p;
          },
          30_000,
          200,
        );
        assert.equal(u['NRestarts'], '0', `${unit} started once`);
      }
      const agent = await activeAgent();
      assert.equal(agent.hostname, node.fqdn);
    }));

  it('systemctl restart mesos-slave while a task runs: the task keeps running and finishes', () =>
    suite.step(async () => {
      const run = node.background(guideExecute(node.fqdn, 'survivor', '/bin/sleep 20', '--checkpoint'), 120_000);
      await waitFor('task survivor to run', async () => (await task('survivor'))?.state === 'TASK_RUNNING', 30_000, 200);
      const sleeper = (await node.exec(['pgrep', '-f', '-x', '/bin/sleep 20'])).stdout.trim();
      assert.match(sleeper, /^\d+$/, 'one task process');
      const agentBefore = (await node.unit('mesos-slave', 'MainPID'))['MainPID'];

      await node.exec(['systemctl', 'restart', 'mesos-slave']);
      const agentAfter = (await node.unit('mesos-slave', 'MainPID'))['MainPID'];
      assert.notEqual(agentAfter, agentBefore, 'a new agent process');
      await waitFor(
        'the restarted agent to re-register',
        async () => /Re-registered with master/.test(await node.journal('mesos-slave', '_PID=' + agentAfter)),
        30_000,
        200,
      );
      assert.match(
        await node.journal('mesos-slave', '_PID=' + agentAfter),
        /Recovered agent \S+: 1 frameworks, 1 running tasks re-attached/,
      );
      assert.equal((await node.exec(['pgrep', '-f', '-x', '/bin/sleep 20'])).stdout.trim(), sleeper, 'the same task process');
      await sleep(1000);
      assert.equal((await task('survivor'))?.state, 'TASK_RUNNING', 'still RUNNING in /master/state after the restart');

      const result = await run;
      assert.equal(result.exitCode, 0, result.all);
      const states = [...result.stdout.matchAll(/Received status update (TASK_\w+) for task 'survivor'/g)].map((m) => m[1]);
      assert.equal(states.at(-1), 'TASK_FINISHED');
      assert.ok(!states.some((s) => ['TASK_FAILED', 'TASK_LOST', 'TASK_KILLED', 'TASK_GONE'].includes(s!)), states.join(' '));
      assert.equal((await task('survivor'))?.state, 'TASK_FINISHED');
    }));

  it("systemctl restart mesos-master while the guide's whizbang runs: the task keeps running and mesos execute exits 0", () =>
    suite.step(async () => {
      // The guide's command as typed: failover timeout 0, no --checkpoint.
      const run = node.background(guideExecute(node.fqdn, 'whizbang', '/bin/sleep 15'), 120_000);
      await waitFor('whizbang to run', async () => (await task('whizbang'))?.state === 'TASK_RUNNING', 30_000, 200);
      const sleeper = (await node.exec(['pgrep', '-f', '-x', '/bin/sleep 15'])).stdout.trim();
      const masterBefore = (await node.unit('mesos-master', 'MainPID'))['MainPID'];

      await node.exec(['systemctl', 'restart', 'mesos-master']);
      const masterAfter = (await node.unit('mesos-master', 'MainPID'))['MainPID'];
      assert.notEqual(masterAfter, masterBefore, 'a new master process');
      const journal = await node.journal('mesos-master', '_PID=' + masterBefore);
      const lastWords = journal.slice(journal.lastIndexOf('Master shutting down'));
      assert.match(lastWords, /^Master shutting down/);
      assert.doesNotMatch(lastWords, /Removing framework/, 'the stopping master removed no framework');
      await waitFor('whizbang RUNNING in the new master', async () => (await task('whizbang'))?.state === 'TASK_RUNNING', 30_000, 200);
      assert.equal((await node.exec(['pgrep', '-f', '-x', '/bin/sleep 15'])).stdout.trim(), sleeper, 'the same task process');

      const result = await run;
      assert.equal(result.exitCode, 0, result.all);
      assert.match(result.stderr, /subscribing again/);
      assert.equal((result.stdout.match(/^Subscribed with ID/gm) ?? []).length, 2, 'the same framework, subscribed again');
      const states = [...result.stdout.matchAll(/Received status update (TASK_\w+) for task 'whizbang'/g)].map((m) => m[1]);
      assert.equal(states.at(-1), 'TASK_FINISHED', result.all);
      assert.equal((await task('whizbang'))?.state, 'TASK_FINISHED');
    }));

  it('rpm -U to a newer build keeps the edited mesos-slave-env.sh and restarts both services', () =>
    suite.step(async () => {
      const env = node.file('etc/mesos/mesos-slave-env.sh');
      await appendFile(env, "export MESOS_attributes='rack:r1'\n");
      const edited = await readFile(env, 'utf8');
      const dir = node.file('root/upgrade');
      await mkdir(dir, { recursive: true });
      for (const rpm of suite.upgradeRpms) await copyFile(rpm, path.join(dir, path.basename(rpm)));
      const before = await mainPids();
      // A task runs across the upgrade: both daemons restart under it. --checkpoint, because
      // an agent restart ends the tasks of frameworks that do not checkpoint, in Mesos too.
      const run = node.background(guideExecute(node.fqdn, 'upgrade-survivor', '/bin/sleep 25', '--checkpoint'), 180_000);
      await waitFor('upgrade-survivor to run', async () => (await task('upgrade-survivor'))?.state === 'TASK_RUNNING', 30_000, 200).catch(
        async (err: Error) => {
          const early = await Promise.race([run, sleep(100).then(() => undefined)]);
          throw new Error(`${err.message}; mesos execute ${early ? `exited ${early.exitCode}: ${early.all}` : 'still runs'}`);
        },
      );

      const upgrade = await node.sh('rpm -U /root/upgrade/*.rpm');
      const expected = await Promise.all(suite.upgradeRpms.map((f) => rpmQuery(f, '--qf', '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}')));
      assert.deepEqual((await node.exec(['rpm', '-q', ...PACKAGES])).stdout.split('\n').sort(), expected.sort(), upgrade.all);
      assert.equal(await readFile(env, 'utf8'), edited, 'the edited env file is kept');

      const after = await mainPids();
      for (const unit of UNITS) {
        assert.equal((await node.unit(unit, 'ActiveState'))['ActiveState'], 'active', unit);
        assert.notEqual(after[unit], before[unit], `${unit} was restarted`);
      }
      const agent = await waitFor(
        'the restarted agent with the new attribute',
        async () =>
          (await getJson<AgentsJson>(`${masterUrl(node)}/master/slaves`)).slaves.find((a) => a.active && a.attributes['rack'] === 'r1'),
        30_000,
        200,
      );
      assert.equal(agent.hostname, node.fqdn);
      const result = await run;
      assert.equal(result.exitCode, 0, result.all);
      const states = [...result.stdout.matchAll(/Received status update (TASK_\w+) for task 'upgrade-survivor'/g)].map((m) => m[1]);
      assert.equal(states.at(-1), 'TASK_FINISHED', result.all);
    }));

  it('rpm -e stops both services and removes the units', () =>
    suite.step(async () => {
      await node.exec(['rpm', '-e', ...PACKAGES]);
      for (const unit of UNITS) {
        const u = await node.unit(unit, 'LoadState', 'ActiveState');
        assert.deepEqual(u, { LoadState: 'not-found', ActiveState: 'inactive' }, unit);
      }
      // `systemctl kill` signals and returns; give the processes a moment to exit.
      const left = await waitFor(
        'every mesos process to exit',
        async () => {
          const r = await node.exec(['pgrep', '-a', '-f', '/usr/bin/mesos'], { reject: false });
          return r.stdout === '' ? 'none' : undefined;
        },
        10_000,
        200,
      ).catch(async () => (await node.exec(['pgrep', '-a', '-f', '/usr/bin/mesos'], { reject: false })).stdout);
      assert.equal(left, 'none', 'no mesos process is left');
      const files = await node.sh('ls /usr/lib/systemd/system/mesos* /etc/systemd/system/*/mesos* /usr/bin/mesos* 2>/dev/null', {
        reject: false,
      });
      assert.equal(files.stdout, '');
      assert.match(await readFile(node.file('etc/mesos/mesos-slave-env.sh.rpmsave'), 'utf8'), /rack:r1/);
    }));
});
