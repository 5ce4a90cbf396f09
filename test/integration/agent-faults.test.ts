// The agent under exhaustion and abuse, with real processes: a torn or damaged runs.log, special
// and huge files in a sandbox hit through /files, a full work_dir. Each asserts no crash, no
// live task killed, a clear message, and recovery once the fault is gone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TaskInfo } from '../../daemons/common/mesos.ts';
import { Daemon, freePort, sleep, spawnMesos, startAgent, startMaster, stopSupervisor, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Offsets of the newlines that start runs.log's records (and its end): cuts that leave whole records. */
function recordBoundaries(text: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) at.push(i);
  at.push(text.length);
  return at;
}

const isRoot = process.getuid?.() === 0;

/** Resident memory of a process, in MiB. */
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Times /health of `d` every `everyMs` until `stop` resolves: the latencies in ms. */
async function healthLatencies(d: Daemon, stop: Promise<unknown>, everyMs = 20): Promise<number[]> {
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  const times: number[] = [];
  while (!done) {
    const t0 = performance.now();
    const res = await fetch(`${d.url}/health`);
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    times.push(performance.now() - t0);
    await sleep(everyMs);
  }
  return times;
}

/** The single line of an agent's output that matches `re`. */
function lineOf(output: string, re: RegExp): string | undefined {
  return output.split('\n').find((l) => re.test(l));
}

describe('a torn or damaged runs.log', () => {
  let master: Daemon;
  let agent: Daemon;
  let s: TestScheduler;
  let runsLog: string;
  let whole: string;
  const pids: number[] = [];

  before(async () => {
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master);
    s = new TestScheduler(master.port);
    await s.subscribe({ checkpoint: true, capabilities: [{ type: 'PARTITION_AWARE' }] });
    const ids = ['live-0', 'live-1', 'live-2'];
    await s.launch((offer) => ids.map((id): TaskInfo => task(id, offer, 'echo $$ > "$MESOS_SANDBOX/pid"; exec sleep 1000', 0.1, 16)));
    for (const id of ids) await s.waitState(id, 'TASK_RUNNING');
    const state = await agent.json<{ id: string; frameworks: { executors: { directory: string }[] }[] }>('/state');
    for (const ex of state.frameworks.flatMap((f) => f.executors)) {
      pids.push(await waitFor('the task pid', () => Number(readFileSync(path.join(ex.directory, 'pid'), 'utf8')) || undefined));
    }
    assert.equal(pids.length, ids.length);
    // Every update acknowledged, then the agent goes (kill -9: nothing is written on the way out).
    await waitFor('every RUNNING acknowledged', async () => {
      const text = readFileSync(path.join(agent.workDir, 'meta', 'slaves', state.id, 'runs.log'), 'utf8');
      return (text.match(/"t":"ACK"/g) ?? []).length >= 2 * ids.length;
    });
    runsLog = path.join(agent.workDir, 'meta', 'slaves', state.id, 'runs.log');
    agent.proc.kill('SIGKILL');
    await agent.waitExit();
    whole = readFileSync(runsLog, 'utf8');
  });

  after(async () => {
    s?.close();
    await agent?.stop();
    if (agent?.runtimeDir) await stopSupervisor(agent.runtimeDir);
    await master?.stop();
  });

  /**
   * Starts the agent on its work_dir against a master that is not there (recovery is the agent's
   * own: nothing the master says can kill a task meanwhile), until it has recovered or exited.
   */
  async function restartAlone(extra: string[] = []): Promise<Daemon> {
    const port = await freePort();
    const proc = spawnMesos([
      'agent',
      '--ip=127.0.0.1',
      `--port=${port}`,
      `--master=127.0.0.1:${await freePort()}`,
      `--work_dir=${agent.workDir}`,
      `--runtime_dir=${agent.runtimeDir}`,
      '--resources=cpus:4;mem:4096;disk:10000;ports:[31000-32000]',
      ...extra,
    ]);
    const d = new Daemon('agent', proc, port, agent.workDir);
    d.runtimeDir = agent.runtimeDir;
    await waitFor(
      'the agent to serve or exit',
      async () => d.exited !== undefined || (/Recovered agent/.test(d.output) && (await fetch(`${d.url}/health`)).ok),
      20_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${d.output}`);
    });
    return d;
  }

  test('cut at every record boundary and inside records: no live task is killed; a cut record is dropped and logged', async () => {
    const ends = recordBoundaries(whole);
    const cuts = [...ends];
    for (let i = 0; i + 1 < ends.length; i += 3) cuts.push(Math.floor((ends[i]! + ends[i + 1]!) / 2));
    process.stdout.write(
      `# runs.log of ${whole.length} bytes cut at ${ends.length} record boundaries and ${cuts.length - ends.length} offsets inside records\n`,
    );
    for (const cut of cuts) {
      writeFileSync(runsLog, whole.slice(0, cut));
      const d = await restartAlone();
      try {
        assert.equal(d.exited, undefined, `cut at ${cut} of ${whole.length}: the agent runs\n${d.output}`);
        const recovered = lineOf(d.output, /Recovered agent/)!;
        assert.match(recovered, /0 orphan containers killed/, `cut at ${cut}: ${recovered}`);
        const [, running, unreadable] = /(\d+) running tasks re-attached.* (\d+) left running whose run could not be read/.exec(recovered)!;
        assert.equal(Number(running) + Number(unreadable), pids.length, `cut at ${cut}: ${recovered}`);
        if (!ends.includes(cut)) {
          const [, to] = /partial last record \(\d+ bytes\) dropped; file truncated to (\d+) bytes/.exec(d.output) ?? [];
          assert.ok(to !== undefined && ends.includes(Number(to)), `cut at ${cut}: truncated to a record boundary (${to})`);
        }
        const health = await fetch(`${d.url}/health`);
        assert.equal(health.status, 200);
      } finally {
        await d.stop('SIGKILL', 10_000, true);
      }
      for (const pid of pids) assert.ok(alive(pid), `cut at ${cut}: task process ${pid} still runs`);
    }
  });

  test('a damaged record before the last: --strict refuses to start saying how on, --no-strict recovers and kills nothing', async () => {
    const lines = whole.split('\n');
    const i = lines.findIndex((l) => l.includes('"t":"TASK"'));
    lines[i] = lines[i]!.slice(0, 30);
    writeFileSync(runsLog, lines.join('\n'));
    const strict = await restartAlone();
    await strict.waitExit();
    assert.notEqual(strict.exited?.code, 0, 'exits non-zero');
    const why = lineOf(strict.output, /corrupt checkpoint record/);
    assert.ok(why, strict.output);
    assert.ok(why.includes(`${runsLog}:${i + 1}`), why);
    assert.match(why, /--no-strict/);
    for (const pid of pids) assert.ok(alive(pid), `task process ${pid} still runs`);

    const lenient = await restartAlone(['--no-strict']);
    try {
      assert.equal(lenient.exited, undefined, lenient.output);
      assert.match(lineOf(lenient.output, /Recovered agent/)!, /0 orphan containers killed/);
      assert.match(lenient.output, new RegExp(`${runsLog.replace(/[.]/g, '\\.')}:${i + 1}: corrupt record skipped`));
    } finally {
      await lenient.stop('SIGKILL', 10_000, true);
    }
    for (const pid of pids) assert.ok(alive(pid), `task process ${pid} still runs`);
  });

  test('restarted with the whole log against the master: every task is followed again', async () => {
    writeFileSync(runsLog, whole);
    agent = await startAgent(master, [], { workDir: agent.workDir, port: agent.port, runtimeDir: agent.runtimeDir });
    assert.match(lineOf(agent.output, /Recovered agent/)!, /3 running tasks re-attached/);
    for (const pid of pids) assert.ok(alive(pid), `task process ${pid} still runs`);
  });
});

describe('special and huge files in a sandbox, through /files', { skip: isRoot ? false : 'needs root (mknod of a device node)' }, () => {
  let master: Daemon;
  let agent: Daemon;
  let s: TestScheduler;
  let sandbox: string;

  before(async () => {
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master);
    s = new TestScheduler(master.port);
    await s.subscribe();
    // What a hostile task may leave: a FIFO nobody writes, a symlink to it, /dev/zero's device
    // node (endless), and a sparse 1 GB file of zero bytes.
    const make = 'mkfifo ff && ln -s ff lf && mknod dev c 1 5 && truncate -s 1G big && touch ready && exec sleep 1000';
    await s.launch((offer) => [task('hostile', offer, make, 0.1, 16)]);
    await s.waitState('hostile', 'TASK_RUNNING');
    const state = await agent.json<{ frameworks: { executors: { directory: string }[] }[] }>('/state');
    sandbox = state.frameworks[0]!.executors[0]!.directory;
    await waitFor('the files made', () => readFileSync(path.join(sandbox, 'ready'), 'utf8') === '');
  });

  after(async () => {
    s?.close();
    await agent?.stop();
    await master?.stop();
  });

  const url = (endpoint: string, name: string, query = '') =>
    `${agent.url}/files/${endpoint}?path=${encodeURIComponent(path.join(sandbox, name))}${query}`;

  test('a FIFO, a symlink to it and a device node: 400 at once from read and download, and the agent goes on', async () => {
    for (const [name, kind] of [
      ['ff', 'a FIFO'],
      ['lf', 'a FIFO'],
      ['dev', 'a character device'],
    ]) {
      for (const endpoint of ['read', 'download']) {
        // Many more than the thread pool has threads: had one blocked, the rest would wait.
        const answers = await Promise.all(
          Array.from({ length: 6 }, () => fetch(url(endpoint, name!, '&offset=0'), { signal: AbortSignal.timeout(3000) })),
        );
        for (const res of answers) {
          assert.equal(res.status, 400, `${endpoint} ${name}`);
          assert.match(await res.text(), new RegExp(`it is ${kind}, not a regular file`));
        }
      }
    }
    const ok = await fetch(`${agent.url}/health`, { signal: AbortSignal.timeout(1000) });
    assert.equal(ok.status, 200);
  });

  test('ten parallel reads of a 1 GB file of zero bytes: 64 KiB each, bounded answers, RSS bounded, /health under 100 ms', async () => {
    const pid = agent.proc.pid!;
    const rssBefore = rssMiB(pid);
    let rssPeak = rssBefore;
    let bodyMax = 0;
    let refused = 0;
    const load = (async () => {
      for (let round = 0; round < 10; round++) {
        const bodies = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const res = await fetch(url('read', 'big', `&offset=${i * 1_000_000}&length=1000000000`));
            if (res.status === 429) {
              refused++;
              return '';
            }
            assert.equal(res.status, 200);
            return res.text();
          }),
        );
        for (const b of bodies.filter(Boolean)) {
          bodyMax = Math.max(bodyMax, b.length);
          assert.equal((JSON.parse(b) as { data: string }).data.length, 65536);
        }
        rssPeak = Math.max(rssPeak, rssMiB(pid));
      }
    })();
    const latencies = await healthLatencies(agent, load);
    await load;
    const worst = Math.max(...latencies);
    process.stdout.write(
      `# reads: RSS ${rssBefore.toFixed(0)} -> peak ${rssPeak.toFixed(0)} MiB, largest answer ${bodyMax} bytes, ${refused} refused (429), /health worst ${worst.toFixed(1)} ms of ${latencies.length}\n`,
    );
    assert.ok(bodyMax <= 6 * 65536 + 64, `answer of ${bodyMax} bytes`);
    assert.ok(rssPeak - rssBefore < 64, `RSS grew by ${(rssPeak - rssBefore).toFixed(0)} MiB`);
    assert.ok(worst < 100, `/health took ${worst.toFixed(1)} ms`);
  });

  test('ten parallel downloads of the 1 GB file by clients that stop reading: streamed, eight admitted, two refused (429), RSS bounded', async () => {
    const pid = agent.proc.pid!;
    const rssBefore = rssMiB(pid);
    const stop = new AbortController();
    const started = await Promise.all(Array.from({ length: 10 }, () => fetch(url('download', 'big'), { signal: stop.signal })));
    const statuses = started.map((r) => r.status).sort();
    // Each admitted client reads a little, then stops: the agent must not read ahead for it.
    const readers = started.filter((r) => r.status === 200).map((r) => r.body!.getReader());
    for (const r of readers) await r.read();
    const settle = sleep(1500);
    const latencies = await healthLatencies(agent, settle);
    const rssAfter = rssMiB(pid);
    const worst = Math.max(...latencies);
    process.stdout.write(
      `# downloads: ${JSON.stringify(statuses)}; RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MiB; /health worst ${worst.toFixed(1)} ms of ${latencies.length}\n`,
    );
    stop.abort();
    for (const r of readers) await r.cancel().catch(() => undefined);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    assert.equal(started.find((r) => r.status === 200)!.headers.get('content-length'), String(1 << 30));
    assert.ok(rssAfter - rssBefore < 64, `RSS grew by ${(rssAfter - rssBefore).toFixed(0)} MiB`);
    assert.ok(worst < 100, `/health took ${worst.toFixed(1)} ms`);
    // The places come back once the downloads end.
    await waitFor('a read admitted again', async () => (await fetch(url('read', 'big', '&offset=0&length=10'))).status === 200);
  });
});

describe('a full work_dir (an 8 MiB tmpfs)', { skip: isRoot ? false : 'needs root (mount -t tmpfs)' }, () => {
  let master: Daemon;
  let agent: Daemon;
  let s: TestScheduler;
  let disk: string;
  let runtimeDir: string;
  const agentArgs = ['--gc_delay=1weeks', '--gc_disk_headroom=0.1'];

  before(async () => {
    disk = tempDir('small-disk');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk]);
    // The task supervisor's records live elsewhere, as /var/run/mesos does.
    runtimeDir = tempDir('small-disk-runtime');
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master, agentArgs, { workDir: disk, runtimeDir });
    s = new TestScheduler(master.port);
    await s.subscribe({ checkpoint: true });
  });

  after(async () => {
    s?.close();
    await agent?.stop();
    await stopSupervisor(runtimeDir);
    await master?.stop();
    if (disk) execFileSync('umount', ['-l', disk]);
  });

  const free = () => {
    const st = statfsSync(disk);
    return st.bavail * st.bsize;
  };

  async function sandboxOf(taskId: string): Promise<string> {
    const state = await agent.json<{
      frameworks: { executors: { id: string; directory: string }[]; completed_executors: { id: string; directory: string }[] }[];
    }>('/state');
    const ex = state.frameworks.flatMap((f) => [...f.executors, ...f.completed_executors]).find((e) => e.id === taskId);
    assert.ok(ex, `the executor of ${taskId}`);
    return ex.directory;
  }

  async function health(samples = 10): Promise<number> {
    let worst = 0;
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const res = await fetch(`${agent.url}/health`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      worst = Math.max(worst, performance.now() - t0);
    }
    return worst;
  }

  const fill = 'dd if=/dev/zero of="$MESOS_SANDBOX/fill" bs=64k 2>/dev/null; touch "$MESOS_SANDBOX/full"';

  test('a task fills the disk: the next launch fails naming the file system, the task goes on, /health answers; freed, a launch runs', async () => {
    await s.launch((offer) => [task('filler', offer, `echo $$ > "$MESOS_SANDBOX/pid"; ${fill}; exec sleep 1000`, 0.1, 16)]);
    await s.waitState('filler', 'TASK_RUNNING');
    const sandbox = await sandboxOf('filler');
    await waitFor('the disk full', () => existsSync(path.join(sandbox, 'full')));
    assert.ok(free() < 64 * 1024, `${free()} bytes free`);
    const pid = Number(readFileSync(path.join(sandbox, 'pid'), 'utf8'));

    await s.launch((offer) => [task('no-room', offer, 'sleep 1000', 0.1, 16)]);
    const failed = await s.waitState('no-room', 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(failed.message ?? '', new RegExp(`file system at ${disk} \\(tmpfs\\)`));
    process.stdout.write(`# full disk: ${failed.message}\n`);

    assert.equal(agent.exited, undefined, 'the agent runs');
    assert.ok(alive(pid), 'the filling task still runs');
    assert.ok(!s.updates('filler').some((u) => u.state !== 'TASK_STARTING' && u.state !== 'TASK_RUNNING'));
    const worst = await health();
    process.stdout.write(`# /health on a full disk: worst ${worst.toFixed(1)} ms of 10\n`);
    assert.ok(worst < 100, `/health took ${worst.toFixed(1)} ms`);

    rmSync(path.join(sandbox, 'fill'));
    await s.launch((offer) => [task('room-again', offer, 'sleep 1000', 0.1, 16)]);
    await s.waitState('room-again', 'TASK_RUNNING');
    assert.ok(alive(pid));
  });

  test('a finished sandbox filling the disk is garbage collected first, honouring --gc_disk_headroom: the launch runs', async () => {
    await s.launch((offer) => [task('filled-and-done', offer, `${fill}; exit 0`, 0.1, 16)]);
    await s.waitState('filled-and-done', 'TASK_FINISHED');
    const sandbox = await sandboxOf('filled-and-done');
    await waitFor('its run completed (its sandbox scheduled for collection)', async () => {
      const state = await agent.json<{ frameworks: { completed_executors: { id: string }[] }[] }>('/state');
      return state.frameworks.some((f) => f.completed_executors.some((e) => e.id === 'filled-and-done'));
    });
    assert.ok(free() < 64 * 1024, `${free()} bytes free`);
    // --gc_delay is a week: only the full disk can have it collected now.
    await s.launch((offer) => [task('after-collection', offer, 'sleep 1000', 0.1, 16)]);
    await s.waitState('after-collection', 'TASK_RUNNING');
    assert.ok(!existsSync(sandbox), 'the finished sandbox was collected');
    assert.match(agent.output, /is short of space: removed [1-9]\d* finished sandboxes/);
  });

  test('restarted while the disk is full the agent says why and exits non-zero, its tasks untouched; once freed it recovers them', async () => {
    const running = await sandboxOf('room-again');
    // Offers made before the restart are rescinded with it.
    for (const o of s.offers()) s.usedOffers.add(o.id.value);
    agent.proc.kill('SIGKILL');
    await agent.waitExit();
    const stuffing = path.join(disk, 'stuffing');
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${stuffing} bs=64k 2>/dev/null; true`]);
    const restarted = new Daemon(
      'agent',
      spawnMesos([
        'agent',
        '--ip=127.0.0.1',
        `--port=${agent.port}`,
        `--master=127.0.0.1:${master.port}`,
        `--work_dir=${disk}`,
        `--runtime_dir=${runtimeDir}`,
        ...agentArgs,
      ]),
      agent.port,
      disk,
    );
    await Promise.race([restarted.waitExit(), sleep(15_000)]);
    assert.notEqual(restarted.exited, undefined, `the agent exits:\n${restarted.output}`);
    assert.notEqual(restarted.exited?.code, 0);
    const why = lineOf(restarted.output, /cannot recover the agent's state/);
    assert.ok(why, restarted.output);
    assert.match(why, new RegExp(`ENOSPC.*the file system at ${disk} \\(tmpfs\\) is full: free some space there`));
    process.stdout.write(`# restart on a full disk: ${why}\n`);
    rmSync(stuffing);
    agent = await startAgent(master, agentArgs, { workDir: disk, runtimeDir, port: agent.port });
    assert.match(lineOf(agent.output, /Recovered agent/)!, /[1-9]\d* running tasks re-attached/);
    assert.ok(existsSync(running));
    await s.launch((offer) => [task('after-restart', offer, 'sleep 1000', 0.1, 16)]);
    await s.waitState('after-restart', 'TASK_RUNNING').catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(s.updates('after-restart').map((u) => [u.state, u.message]))}`);
    });
  });
});
