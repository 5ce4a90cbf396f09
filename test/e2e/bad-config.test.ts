// A typo in /etc/mesos/mesos-slave-env.sh: the agent says what is wrong in one line in its
// journal, `systemctl status` shows the failure, and systemd retries slowly (RestartSec=10) and
// then gives up (StartLimitBurst=5) instead of spinning: MESOS_port=abc and MESOS_master=nonsense.
// An unknown MESOS_* variable is ignored, as Mesos does, but one that is a near miss of a flag
// (MESOS_prot) gets a warning line naming the flag it probably meant.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../helpers/cluster.ts';
import type { ContainerHost } from './host.ts';
import { type AgentsJson, glogLines } from './mesos.ts';
import { E2ESuite, e2eSkip, getJson, masterUrl } from './suite.ts';

/** How long the restart count is watched. */
const WINDOW_MS = 25_000;

let suite: E2ESuite;
let node: ContainerHost;
let pristine: string;

before(
  async () => {
    if (e2eSkip) return;
    suite = await E2ESuite.start('bad-config', 5);
    node = (await suite.addHosts([{ name: 'node1' }]))[0]!;
    await suite.boot(node);
    await suite.install(node);
    pristine = await readFile(node.file('etc/mesos/mesos-slave-env.sh'), 'utf8');
    await node.exec(['systemctl', 'start', 'mesos-master']);
  },
  { timeout: 20 * 60_000 },
);
after(async () => {
  await suite?.stop();
});

/** Replaces the env file with the packaged one plus `line`, and (re)starts the agent afresh. */
async function configure(line: string): Promise<string> {
  await writeFile(node.file('etc/mesos/mesos-slave-env.sh'), pristine + line);
  const since = (await node.exec(['date', '+%Y-%m-%d %H:%M:%S.%6N'])).stdout;
  await node.exec(['systemctl', 'reset-failed', 'mesos-slave'], { reject: false });
  await node.exec(['systemctl', 'restart', 'mesos-slave']);
  return since;
}

/** The agent's own lines since `since`, once it has failed at least once. */
async function failureLines(since: string): Promise<string[]> {
  return waitFor(
    'the agent to fail and say why',
    async () => {
      const failed =
        Number((await node.unit('mesos-slave', 'NRestarts'))['NRestarts']) > 0 ||
        (await node.unit('mesos-slave', 'Result'))['Result'] === 'exit-code';
      const lines = await glogLines(node, 'mesos-slave', since);
      return failed && lines.length > 0 && lines;
    },
    20_000,
    200,
  );
}

describe('a typo in mesos-slave-env.sh', { skip: e2eSkip }, () => {
  it('MESOS_port=abc: a one-line error in the journal and in systemctl status; no tight restart loop', () =>
    suite.step(async () => {
      const since = await configure('export MESOS_port=abc\n');
      const lines = await failureLines(since);
      const error = "mesos-agent: invalid value 'abc' for flag '--port' (from MESOS_port): expected an integer";
      assert.deepEqual(lines, [error], 'exactly one line per failed start, and it says which flag');

      const status = await node.exec(['systemctl', 'status', 'mesos-slave', '--no-pager'], { reject: false });
      assert.equal(status.exitCode, 3, 'systemctl status: not running');
      assert.match(status.stdout, /Active: (activating \(auto-restart\)|failed) \(Result: exit-code\)/);
      assert.match(status.stdout, /code=exited, status=1\/FAILURE/);
      // The one line is also what `journalctl -u mesos-slave` shows, under the daemon's name.
      assert.match(await node.journal('mesos-slave'), new RegExp(`mesos-slave\\[\\d+\\]: ${error.replace(/[()[\]]/g, '\\$&')}$`, 'm'));

      // Watch the restart counter: RestartSec=10 allows at most 3 more starts in 25 s.
      const startCount = Number((await node.unit('mesos-slave', 'NRestarts'))['NRestarts']);
      await sleep(WINDOW_MS);
      const endCount = Number((await node.unit('mesos-slave', 'NRestarts'))['NRestarts']);
      assert.ok(endCount - startCount <= 3, `${endCount - startCount} restarts in ${WINDOW_MS / 1000} s`);
      assert.ok(endCount - startCount >= 1, 'systemd does retry');
      const all = await glogLines(node, 'mesos-slave', since);
      assert.ok(all.length <= 1 + endCount && all.every((l) => l === error), `one identical line per start:\n${all.join('\n')}`);
    }));

  it('MESOS_master=nonsense: a one-line error naming the flag and what a master address looks like', () =>
    suite.step(async () => {
      const since = await configure('export MESOS_master=nonsense\n');
      const lines = await failureLines(since);
      assert.deepEqual(lines, [
        "mesos-agent: invalid value for flag '--master': 'nonsense' is not a master address; expected host:port (e.g. 127.0.0.1:5050), zk://host:port,.../path or file:///path holding either",
      ]);
    }));

  it('with the typo fixed, systemctl restart mesos-slave brings the agent up', () =>
    suite.step(async () => {
      await configure('');
      await waitFor(
        'the agent to register',
        async () => (await getJson<AgentsJson>(`${masterUrl(node)}/master/slaves`)).slaves.some((a) => a.active),
        30_000,
        200,
      );
      assert.equal((await node.unit('mesos-slave', 'ActiveState'))['ActiveState'], 'active');
    }));

  it('MESOS_prot=5052: the agent runs, and its journal says which flag was probably meant', () =>
    suite.step(async () => {
      const since = await configure('export MESOS_prot=5052\n');
      const lines = await waitFor(
        'the warning in the journal',
        async () => {
          const l = await glogLines(node, 'mesos-slave', since);
          return l.some((x) => x.includes('MESOS_prot')) && l;
        },
        20_000,
        200,
      );
      assert.ok(
        lines.includes('mesos-agent: warning: MESOS_prot is not a flag and is ignored; did you mean MESOS_PORT?'),
        lines.join('\n'),
      );
      const pid = (await node.unit('mesos-slave', 'MainPID'))['MainPID'];
      await sleep(2000);
      assert.deepEqual(
        await node.unit('mesos-slave', 'ActiveState', 'MainPID'),
        { ActiveState: 'active', MainPID: pid },
        'still the same agent process',
      );
    }));
});
