// The guide's multi-host clusters, on hosts booted once and shared (booting and installing five
// hosts is most of this file's time):
// - a master and two workers on a private network, names in /etc/hosts. master.example.com
//   runs `systemctl start mesos-master`; on each worker the only change is
//   `export MESOS_master=master.example.com:5050` added to /etc/mesos/mesos-slave-env.sh, then
//   `systemctl restart mesos-slave`. The master lists both remote agents, and a task launched
//   from the master's host runs on a worker.
// - then three masters behind ZooKeeper, as README's "Three masters" says: the distribution's
//   ZooKeeper on master, master2 and master3 made one ensemble, /etc/mesos/zk naming it and the
//   two commented lines of mesos-master-env.sh switched on, the workers pointed at
//   file:///etc/mesos/zk. `systemctl stop mesos-master` on the leader while the guide's task
//   runs: another master leads, the agents re-register, the task finishes and `mesos execute`
//   exits 0; the web UI opened on any master reaches the leader.
// - then that cluster secured as README's "Securing a cluster" says, its commands read from the
//   README and run (securing.ts): a CA and a certificate per host made with openssl, the
//   credentials, and the env files' commented lines switched on with sed; `systemctl restart`
//   of every master, then every agent. The agents come back over TLS with their credential, a
//   task started before the switch still runs, an anonymous request gets 401 and plain http
//   nothing, and `mesos execute` with a principal and the TLS variables sees its task finish
//   across a stop of the leader, which comes back as a follower sending https clients on.
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, screenshot } from '../browser/chromium.ts';
import { waitFor } from '../helpers/cluster.ts';
import type { ContainerHost } from './host.ts';
import { type AgentsJson, type StateJson, allTasks, glogLines, guideExecute } from './mesos.ts';
import { TLS_DIR, curlTls, exportLines, installCertificate, makeCertificates, readmeBlock, uncomment } from './securing.ts';
import { E2ESuite, e2eSkip, getJson, masterUrl } from './suite.ts';

const WORKER_LINE = 'export MESOS_master=master.example.com:5050\n';

let suite: E2ESuite;
let master: ContainerHost;
let workers: ContainerHost[];
/** master, master2 and master3: the three masters of the ZooKeeper half. */
let masters: ContainerHost[];
let browser: Browser | undefined;

before(
  async () => {
    if (e2eSkip) return;
    suite = await E2ESuite.start('multi-host', 3, { zookeeper: true });
    const hosts = await suite.addHosts([
      { name: 'master', zookeeper: true },
      { name: 'worker1' },
      { name: 'worker2' },
      { name: 'master2', zookeeper: true },
      { name: 'master3', zookeeper: true },
    ]);
    [master] = hosts as [ContainerHost];
    workers = hosts.slice(1, 3);
    masters = [master, ...hosts.slice(3)];
    await suite.boot(...hosts);
    for (const h of hosts) await suite.install(h);
  },
  { timeout: 25 * 60_000 },
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
      browser = await launchChromium(resolverRules());
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

/**
 * The hosts' names for the browser on this machine, which has no DNS for them: masters send
 * a page to the leader by its hostname, as Mesos's do, and a user's browser resolves it.
 */
function resolverRules(): string[] {
  return [`--host-resolver-rules=${suite.hosts.map((h) => `MAP ${h.fqdn} ${h.address}`).join(',')}`];
}

/** `//host:port` of a master as Location headers name it: its hostname, as Mesos's redirects do. */
function locationOf(m: ContainerHost): RegExp {
  return new RegExp(`^//${m.fqdn.replace(/\./g, '\\.')}:5050`);
}

/** The ensemble as /etc/mesos/zk names it on every host. */
const ZK_URL = 'zk://master.example.com:2181,master2.example.com:2181,master3.example.com:2181/mesos';

/**
 * zoo.cfg of one member of the ensemble: Debian's example with the data where its package keeps
 * myid (/var/lib/zookeeper/myid is a link to /etc/zookeeper/conf/myid; the example's
 * /tmp/zookeeper has none, and a member without myid exits at once).
 */
function zooCfg(servers: string): string {
  return `tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/var/lib/zookeeper\nclientPort=2181\n${servers}\n`;
}

/** Which master leads, as `mesos resolve` of the ensemble on a host prints it (ip:port). */
async function leaderOf(host: ContainerHost): Promise<ContainerHost | undefined> {
  const r = await host.exec(['mesos', 'resolve', ZK_URL], { reject: false, timeout: 20_000 });
  if (r.exitCode !== 0) return undefined;
  return masters.find((m) => r.stdout.trim() === `${m.address}:5050`);
}

/** The agents a master lists as active, by hostname. */
async function activeAgents(m: ContainerHost): Promise<string[]> {
  const agents = await getJson<AgentsJson>(`${masterUrl(m)}/master/slaves`);
  return agents.slaves
    .filter((s) => s.active)
    .map((s) => s.hostname)
    .sort();
}

/**
 * Stops the leading master (`systemctl stop`) and waits until another leads, as `worker`
 * resolves it, with both workers' agents active on it (`activeOn`: their hostnames, sorted and
 * joined); logs how long that took.
 */
async function stopLeader(
  stopped: ContainerHost,
  worker: ContainerHost,
  activeOn: (m: ContainerHost) => Promise<string>,
  label: string,
): Promise<ContainerHost> {
  const stoppedAt = Date.now();
  await stopped.exec(['systemctl', 'stop', 'mesos-master']);
  const leader = await waitFor(
    'another master to lead',
    async () => {
      const l = await leaderOf(worker);
      return l && l !== stopped && l;
    },
    60_000,
    250,
  );
  const hostnames = workers.map((w) => w.fqdn).sort();
  await waitFor('both agents re-registered with the new leader', async () => (await activeOn(leader)) === hostnames.join(), 60_000, 250);
  process.stderr.write(
    `# ${label}: ${leader.name} leads with both agents ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after the stop\n`,
  );
  return leader;
}

describe('three masters behind ZooKeeper', { skip: e2eSkip }, () => {
  let leader: ContainerHost;

  it("ZooKeeper on master, master2 and master3 as one ensemble (the distribution's package)", () =>
    suite.step(async () => {
      const servers = masters.map((m, i) => `server.${i + 1}=${m.fqdn}:2888:3888`).join('\n');
      for (const [i, m] of masters.entries()) {
        // Debian's /etc/zookeeper/conf is an alternatives symlink: written from inside the host.
        await m.writeInside('/etc/zookeeper/conf/zoo.cfg', zooCfg(servers));
        await m.writeInside('/etc/zookeeper/conf/myid', `${i + 1}\n`);
      }
      await Promise.all(masters.map((m) => m.exec(['systemctl', 'restart', 'zookeeper'])));
      const modes = await waitFor(
        'the ensemble to elect its leader',
        async () => {
          const out = await Promise.all(
            masters.map((m) => m.exec(['/usr/share/zookeeper/bin/zkServer.sh', 'status'], { reject: false, timeout: 20_000 })),
          );
          const found = out.map((r) => /^Mode: (\w+)/m.exec(r.all)?.[1]);
          return found.every((f) => f === 'leader' || f === 'follower') && found;
        },
        90_000,
        1000,
      );
      assert.equal(modes.filter((m) => m === 'leader').length, 1, `one ZooKeeper leader: ${modes.join(', ')}`);
    }));

  it('each master: /etc/mesos/zk and the two commented lines of mesos-master-env.sh; one master leads', () =>
    suite.step(async () => {
      for (const m of masters) {
        await writeFile(m.file('etc/mesos/zk'), `${ZK_URL}\n`);
        const envFile = m.file('etc/mesos/mesos-master-env.sh');
        const before = await readFile(envFile, 'utf8');
        const after = before.replace(/^#(export MESOS_zk=file:\/\/\/etc\/mesos\/zk)$/m, '$1').replace(/^#(export MESOS_quorum=2)$/m, '$1');
        const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
        assert.deepEqual(changed, ['export MESOS_zk=file:///etc/mesos/zk', 'export MESOS_quorum=2'], 'the README names these two lines');
        await writeFile(envFile, after);
      }
      await Promise.all(masters.map((m) => m.exec(['systemctl', 'restart', 'mesos-master'])));
      leader = await waitFor('a master to lead', () => leaderOf(workers[0]!), 60_000, 500);
      assert.match(await leader.journal('mesos-master'), /Elected as the leading master!/);
      for (const m of masters.filter((x) => x !== leader)) {
        const res = await waitFor(
          `${m.name} to follow`,
          async () => {
            const r = await fetch(`${masterUrl(m)}/master/state`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
            return r.status === 307 && r;
          },
          30_000,
          250,
        );
        assert.match(res.headers.get('location') ?? '', new RegExp(`${locationOf(leader).source}/master/state$`));
        assert.equal((await fetch(`${masterUrl(m)}/health`)).status, 200, 'a follower serves /health itself');
      }
    }));

  it('each worker: MESOS_master=file:///etc/mesos/zk; the leader lists both agents', () =>
    suite.step(async () => {
      for (const w of workers) {
        await writeFile(w.file('etc/mesos/zk'), `${ZK_URL}\n`);
        const envFile = w.file('etc/mesos/mesos-slave-env.sh');
        const text = await readFile(envFile, 'utf8');
        assert.ok(text.includes(WORKER_LINE), 'the line the multi-node half added');
        await writeFile(envFile, text.replace(WORKER_LINE, 'export MESOS_master=file:///etc/mesos/zk\n'));
        await w.exec(['systemctl', 'restart', 'mesos-slave']);
      }
      const hostnames = workers.map((w) => w.fqdn).sort();
      await waitFor(
        'both workers registered with the leader',
        async () => (await activeAgents(leader)).join() === hostnames.join(),
        60_000,
        500,
      );
    }));

  it("systemctl stop mesos-master on the leader while the guide's task runs: another master leads and the task finishes", () =>
    suite.step(async () => {
      const worker = workers[0]!;
      const execute = worker.sh(`mesos execute --command="/bin/sleep 15" --master=${ZK_URL} --name="whizbang-ha"`, {
        reject: false,
        timeout: 180_000,
      });
      await waitFor(
        'the task to run',
        async () =>
          allTasks(await getJson<StateJson>(`${masterUrl(leader)}/master/state`)).some(
            (t) => t.name === 'whizbang-ha' && t.state === 'TASK_RUNNING',
          ),
        60_000,
        250,
      );
      const stopped = leader;
      leader = await stopLeader(stopped, worker, async (m) => (await activeAgents(m)).join(), 'e2e multi-host');
      const result = await execute;
      assert.equal(result.exitCode, 0, result.all);
      assert.match(result.all, /Received status update TASK_FINISHED for task 'whizbang-ha'/);
      const task = allTasks(await getJson<StateJson>(`${masterUrl(leader)}/master/state`)).find((t) => t.name === 'whizbang-ha');
      assert.equal(task?.state, 'TASK_FINISHED', 'the new leader saw the task finish');

      await stopped.exec(['systemctl', 'start', 'mesos-master']);
      const back = await waitFor(
        'the stopped master to come back as a follower',
        async () => {
          const r = await fetch(`${masterUrl(stopped)}/master/redirect`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) }).catch(
            () => undefined,
          );
          return r?.status === 307 && r;
        },
        60_000,
        500,
      );
      assert.match(back.headers.get('location') ?? '', locationOf(leader));
    }));

  it('the web UI opened on any master shows the leading one', { skip: chromiumMissing }, () =>
    suite.step(async () => {
      browser ??= await launchChromium(resolverRules());
      const follower = masters.find((m) => m !== leader)!;
      const { page, errors } = await openPage(browser);
      await page.goto(`http://${follower.fqdn}:5050/#/agents`);
      await page.waitForURL((url) => url.host === `${leader.fqdn}:5050`, { timeout: 30_000 });
      for (const w of workers) await page.locator('[data-table="agents"] tbody tr', { hasText: w.fqdn }).waitFor({ timeout: 15_000 });
      await screenshot(page, 'e2e-ha-agents');
      assert.deepEqual(errors, []);
    }),
  );
});

describe('the three-master cluster secured as README\'s "Securing a cluster" says', { skip: e2eSkip }, () => {
  /** principal → secret, as the README's credentials file on the masters has them. */
  let secrets: Record<string, string>;
  let tlsLines: string[];
  let leader: ContainerHost;
  /** `mesos execute` of the task that runs across the switch (plain, started before it). */
  let kept: Promise<unknown>;
  /** hostname → agent id before the switch: the agents must come back as themselves. */
  let agentIds: Record<string, string>;

  const ops = () => `ops:${secrets.ops}`;
  /** A master's /master/state over https, read from a worker with the operator's login. */
  async function stateOf(m: ContainerHost): Promise<StateJson> {
    const r = await curlTls(workers[0]!, `https://${m.fqdn}:5050/master/state`, { user: ops() });
    if (r.status !== 200) throw new Error(`https://${m.fqdn}:5050/master/state: curl exit ${r.exitCode}, status ${r.status}: ${r.body}`);
    return JSON.parse(r.body) as StateJson;
  }
  async function activeAgentsTls(m: ContainerHost): Promise<string> {
    return (await stateOf(m)).slaves
      .filter((s) => s.active)
      .map((s) => s.hostname)
      .sort()
      .join();
  }
  const taskState = (state: StateJson, name: string) => allTasks(state).find((t) => t.name === name)?.state;

  it('a task runs before the switch', () =>
    suite.step(async () => {
      const l = await waitFor('a master to lead', () => leaderOf(workers[1]!), 30_000, 250);
      kept = workers[1]!.background(
        `echo $$ > /run/kept-execute.pid; exec mesos execute --command="/bin/sleep 3600" --master=${ZK_URL} --name="kept-across-tls"`,
        15 * 60_000,
      );
      const state = await waitFor(
        'the task to run',
        async () => {
          const st = await getJson<StateJson>(`${masterUrl(l)}/master/state`);
          return taskState(st, 'kept-across-tls') === 'TASK_RUNNING' && st;
        },
        60_000,
        250,
      );
      agentIds = Object.fromEntries(state.slaves.map((a) => [a.hostname, a.id]));
    }));

  it('certificates, credentials and the env files as the README says; systemctl restart on every master, then every agent', () =>
    suite.step(async () => {
      const switchStarted = Date.now();
      const { ca, certs } = await makeCertificates([...masters, ...workers]);
      const credentials = await readmeBlock('On the master, write the credentials');
      const masterLines = exportLines(await readmeBlock('then uncomment these lines of `/etc/mesos/mesos-master-env.sh`'));
      const agentBlock = await readmeBlock('put its credential in a file only root reads');
      tlsLines = exportLines(await readmeBlock('then uncomment the TLS lines of both env files'));
      assert.deepEqual(
        tlsLines.map((l) => /^export (\w+)=/.exec(l)?.[1]),
        [
          'LIBPROCESS_SSL_ENABLED',
          'LIBPROCESS_SSL_CERT_FILE',
          'LIBPROCESS_SSL_KEY_FILE',
          'LIBPROCESS_SSL_CA_FILE',
          'LIBPROCESS_SSL_VERIFY_SERVER_CERT',
        ],
      );
      for (const m of masters) {
        await installCertificate(m, ca, certs.get(m)!, true);
        await m.sh(credentials.join('\n'));
        const changed = await uncomment(m, '/etc/mesos/mesos-master-env.sh', [...masterLines, ...tlsLines]);
        assert.deepEqual(changed, [...masterLines, ...tlsLines], `${m.name}: the env file's commented lines are the README's`);
        assert.equal((await m.exec(['stat', '-c', '%U:%G %a', '/etc/mesos/credentials.json'])).stdout, 'root:mesos 640');
        assert.equal((await m.exec(['stat', '-c', '%U:%G %a', `${TLS_DIR}/node-key.pem`])).stdout, 'root:mesos 640');
      }
      const creds = JSON.parse(await readFile(master.file('etc/mesos/credentials.json'), 'utf8')) as {
        credentials: { principal: string; secret: string }[];
      };
      secrets = Object.fromEntries(creds.credentials.map((c) => [c.principal, c.secret]));
      assert.deepEqual(Object.keys(secrets).sort(), ['agent', 'jobs', 'ops']);
      await Promise.all(masters.map((m) => m.exec(['systemctl', 'restart', 'mesos-master'])));

      const agentLines = exportLines(agentBlock);
      const restartedAt = new Map<ContainerHost, string>();
      for (const w of workers) {
        await installCertificate(w, ca, certs.get(w)!, false);
        await w.sh(agentBlock.filter((l) => !l.startsWith('export ')).join('\n'));
        const changed = await uncomment(w, '/etc/mesos/mesos-slave-env.sh', [...agentLines, ...tlsLines]);
        assert.deepEqual(changed, [...agentLines, ...tlsLines], `${w.name}: the env file's commented lines are the README's`);
        restartedAt.set(w, (await w.exec(['date', '+%s'])).stdout.trim());
        assert.equal((await w.exec(['stat', '-c', '%U:%G %a', '/etc/mesos/agent-credential.json'])).stdout, 'root:root 600');
        assert.equal((await w.exec(['stat', '-c', '%U:%G %a', `${TLS_DIR}/node-key.pem`])).stdout, 'root:root 600');
        await w.exec(['systemctl', 'restart', 'mesos-slave']);
      }
      leader = await waitFor('a master to lead', () => leaderOf(workers[0]!), 60_000, 250);
      const hostnames = workers.map((w) => w.fqdn).sort();
      await waitFor(
        'both agents registered over TLS with their credential',
        async () => (await activeAgentsTls(leader)) === hostnames.join(),
        90_000,
        500,
      );
      process.stderr.write(
        `# e2e multi-host: secured, both agents back ${((Date.now() - switchStarted) / 1000).toFixed(1)} s after the switch began\n`,
      );
      const back = (await stateOf(leader)).slaves.filter((a) => a.active);
      assert.deepEqual(Object.fromEntries(back.map((a) => [a.hostname, a.id])), agentIds, 'each agent came back under its id');
      for (const w of workers) {
        const lines = await glogLines(w, 'mesos-slave', `@${restartedAt.get(w)}`);
        assert.ok(
          lines.some((l) => l.includes(`Re-registered with master `) && l.endsWith(` as agent ${agentIds[w.fqdn]}`)),
          `${w.name} re-registered after its restart:\n${lines.join('\n')}`,
        );
        const own = await curlTls(w, `https://${w.fqdn}:5051/health`);
        assert.equal(own.status, 200, `the agent on ${w.name} serves https: ${own.body}`);
      }
      assert.equal(taskState(await stateOf(leader), 'kept-across-tls'), 'TASK_RUNNING', 'the task started before the switch still runs');
    }));

  it('without credentials a request gets 401; plain http is refused', () =>
    suite.step(async () => {
      const anonymous = await curlTls(workers[0]!, `https://${leader.fqdn}:5050/master/state`);
      assert.equal(anonymous.status, 401, anonymous.body);
      const wrong = await curlTls(workers[0]!, `https://${leader.fqdn}:5050/master/state`, { user: 'ops:not-the-secret' });
      assert.equal(wrong.status, 401, wrong.body);
      const plain = await workers[0]!.exec(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://${leader.fqdn}:5050/health`], {
        reject: false,
      });
      assert.notEqual(plain.exitCode, 0, `plain http answered: ${plain.all}`);
      assert.equal(plain.stdout, '000');
    }));

  it('mesos execute with a principal, its secret and the TLS variables: the task finishes across a stop of the leader', () =>
    suite.step(async () => {
      const worker = workers[0]!;
      const tlsEnv = tlsLines.map((l) => l.replace(/^export /, '')).join(' ');
      const execute = worker.sh(
        `${tlsEnv} mesos execute --command="/bin/sleep 15" --master=${ZK_URL} --name="whizbang-tls" --principal=jobs --secret=${secrets.jobs}`,
        { reject: false, timeout: 180_000 },
      );
      await waitFor('the task to run', async () => taskState(await stateOf(leader), 'whizbang-tls') === 'TASK_RUNNING', 60_000, 250);
      const stopped = leader;
      leader = await stopLeader(stopped, worker, activeAgentsTls, 'e2e multi-host (TLS)');
      const result = await execute;
      assert.equal(result.exitCode, 0, result.all);
      assert.match(result.all, /Received status update TASK_FINISHED for task 'whizbang-tls'/);
      const state = await stateOf(leader);
      assert.equal(taskState(state, 'whizbang-tls'), 'TASK_FINISHED', 'the new leader saw the task finish');
      const fw = [...state.frameworks, ...state.completed_frameworks].find((f) =>
        f.tasks.concat(f.completed_tasks).some((t) => t.name === 'whizbang-tls'),
      );
      assert.equal(fw?.principal, 'jobs');
      assert.equal(taskState(state, 'kept-across-tls'), 'TASK_RUNNING', 'the task started before the switch still runs');
      const pid = (await workers[1]!.exec(['cat', '/run/kept-execute.pid'])).stdout.trim();
      // The scheduler that started it cannot follow the cluster into TLS; its task needs it no more.
      await workers[1]!.exec(['kill', '-KILL', pid]);
      await kept;

      await stopped.exec(['systemctl', 'start', 'mesos-master']);
      const back = await waitFor(
        'the stopped master to come back as a follower, over https',
        async () => {
          const r = await curlTls(worker, `https://${stopped.fqdn}:5050/master/redirect`);
          return r.status === 307 && r;
        },
        60_000,
        500,
      );
      assert.match(
        back.redirect,
        new RegExp(`^https://${leader.fqdn.replace(/\./g, '\\.')}:5050`),
        'the follower sends https clients to the leader',
      );
    }));
});
