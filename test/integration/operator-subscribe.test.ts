// SUBSCRIBE of the master's v1 operator API against a real master and agents: the stream
// delivers SUBSCRIBED with the state, then exactly the changes the test makes (tasks launched,
// finished and killed, an agent added and removed, a framework updated and torn down) in the
// order they happened, in JSON and in protobuf; a subscriber that does not read is cut off at
// --max_event_stream_buffer_size while the master's memory stays bounded.
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import { after, describe, test } from 'node:test';
import type { mesos } from '../../daemons/common/mesos.ts';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { decode } from '../../daemons/common/proto/codec.ts';
import { RecordIODecoder } from '../../daemons/common/recordio.ts';
import { rssBytes } from '../helpers/abuse.ts';
import { type Daemon, sleep, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler, task } from '../helpers/scheduler.ts';

type Event = mesos.v1.master.Event;
type Media = 'application/json' | 'application/x-protobuf';

const daemons: Daemon[] = [];
const schedulers: TestScheduler[] = [];
after(async () => {
  for (const s of schedulers) s.close();
  for (const d of daemons.reverse()) await d.stop();
});

/** An operator's subscription, reading and decoding every event as it comes. */
class Subscription {
  readonly events: Event[] = [];
  contentType = '';
  ended = false;
  private readonly controller = new AbortController();

  static async open(port: number, media: Media = 'application/json', authorization?: string): Promise<Subscription> {
    const sub = new Subscription();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: media, ...(authorization ? { Authorization: authorization } : {}) },
      body: JSON.stringify({ type: 'SUBSCRIBE' }),
      signal: sub.controller.signal,
    });
    assert.equal(res.status, 200, await (res.ok ? Promise.resolve('') : res.text()));
    sub.contentType = res.headers.get('content-type') ?? '';
    const decoder = new RecordIODecoder();
    const reader = res.body!.getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const record of decoder.decode(value)) {
            sub.events.push(
              media === 'application/json' ? (JSON.parse(record.toString('utf8')) as Event) : decode('mesos.v1.master.Event', record),
            );
          }
        }
      } catch {
        // Aborted by close().
      }
      sub.ended = true;
    })();
    await waitFor('SUBSCRIBED', () => sub.events.length > 0);
    return sub;
  }

  /** The events after SUBSCRIBED, without heartbeats. */
  changes(): Event[] {
    return this.events.slice(1).filter((e) => e.type !== 'HEARTBEAT');
  }

  close(): void {
    this.controller.abort();
  }
}

/** An event in one line: its type and what it is about. */
function summary(e: Event): string {
  switch (e.type) {
    case 'TASK_ADDED':
      return `TASK_ADDED ${e.task_added!.task.task_id.value} ${e.task_added!.task.state}`;
    case 'TASK_UPDATED':
      return `TASK_UPDATED ${e.task_updated!.status.task_id.value} ${e.task_updated!.status.state}`;
    case 'AGENT_ADDED':
      return `AGENT_ADDED ${e.agent_added!.agent.agent_info.id!.value}`;
    case 'AGENT_REMOVED':
      return `AGENT_REMOVED ${e.agent_removed!.agent_id.value}`;
    case 'FRAMEWORK_ADDED':
      return `FRAMEWORK_ADDED ${e.framework_added!.framework.framework_info.name}`;
    case 'FRAMEWORK_UPDATED':
      return `FRAMEWORK_UPDATED ${e.framework_updated!.framework.framework_info.name}`;
    case 'FRAMEWORK_REMOVED':
      return `FRAMEWORK_REMOVED ${e.framework_removed!.framework_info.name}`;
    default:
      return String(e.type);
  }
}

async function agentId(agent: Daemon): Promise<string> {
  return (await agent.json<{ id: string }>('/state')).id;
}

async function scheduler(master: Daemon, name: string): Promise<TestScheduler> {
  const s = new TestScheduler(master.port);
  schedulers.push(s);
  await s.subscribe({ name, user: os.userInfo().username, capabilities: [{ type: 'TASK_KILLING_STATE' }] });
  return s;
}

/** The states the scheduler heard for a task, in order, each once. */
function heard(s: TestScheduler, taskId: string): string[] {
  const states: string[] = [];
  for (const u of s.updates(taskId)) if (states.at(-1) !== u.state) states.push(u.state);
  return states;
}

describe('operator SUBSCRIBE', { timeout: 240_000 }, () => {
  test('JSON: SUBSCRIBED with the state, then tasks, agents and frameworks as they change, in order', async () => {
    const master = await startMaster(['--registry=in_memory', '--agent_ping_timeout=1secs', '--max_agent_ping_timeouts=2']);
    daemons.push(master);
    const agent = await startAgent(master);
    daemons.push(agent);
    const a1 = await agentId(agent);
    const sub = await Subscription.open(master.port);
    assert.equal(sub.contentType, 'application/json');
    const subscribed = sub.events[0]!;
    assert.equal(subscribed.type, 'SUBSCRIBED');
    assert.equal(subscribed.subscribed!.heartbeat_interval_seconds, 15);
    assert.deepEqual(
      subscribed.subscribed!.get_state!.get_agents!.agents!.map((a) => a.agent_info.id!.value),
      [a1],
    );
    assert.equal(sub.events[1]!.type, 'HEARTBEAT');
    const metrics = await master.json<Record<string, number>>('/metrics/snapshot');
    assert.equal(metrics['master/operator_event_stream_subscribers'], 1);

    const s = await scheduler(master, 'ops-test');
    // A task that finishes.
    await s.launch((o) => [task('done', o, 'true', 0.1, 32)]);
    await s.waitState('done', 'TASK_FINISHED');
    // A task that is killed.
    await s.launch((o) => [task('killed', o, 'sleep 600', 0.1, 32)]);
    await s.waitState('killed', 'TASK_RUNNING');
    await s.client.call({ type: 'KILL', kill: { task_id: { value: 'killed' } } });
    await s.waitState('killed', 'TASK_KILLED');
    // The framework renamed.
    await s.client.call({
      type: 'UPDATE_FRAMEWORK',
      update_framework: {
        framework_info: {
          id: { value: s.client.frameworkId! },
          name: 'ops-test-renamed',
          user: os.userInfo().username,
          capabilities: [{ type: 'TASK_KILLING_STATE' }],
        },
      },
    });
    // An agent that comes and goes (killed: it is removed after its missed pings).
    const second = await startAgent(master);
    daemons.push(second);
    const a2 = await agentId(second);
    await waitFor('AGENT_ADDED', () => sub.changes().some((e) => e.type === 'AGENT_ADDED'));
    await second.stop('SIGKILL');
    await waitFor('AGENT_REMOVED', () => sub.changes().some((e) => e.type === 'AGENT_REMOVED'), 30_000);
    // A task still running when the framework is torn down.
    await s.launch((o) => [task('torn', o, 'sleep 600', 0.1, 32)], { agentId: a1 });
    await s.waitState('torn', 'TASK_RUNNING');
    const teardown = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'TEARDOWN', teardown: { framework_id: { value: s.client.frameworkId } } }),
    });
    assert.equal(teardown.status, 200);
    await waitFor('FRAMEWORK_REMOVED', () => sub.changes().some((e) => e.type === 'FRAMEWORK_REMOVED'));
    await sleep(500);

    const updates = (id: string, states: string[]) => states.slice(1).map((st) => `TASK_UPDATED ${id} ${st}`);
    const expected = [
      'FRAMEWORK_ADDED ops-test',
      'TASK_ADDED done TASK_STAGING',
      ...updates('done', ['TASK_STAGING', ...heard(s, 'done')]),
      'TASK_ADDED killed TASK_STAGING',
      ...updates('killed', ['TASK_STAGING', ...heard(s, 'killed')]),
      'FRAMEWORK_UPDATED ops-test-renamed',
      `AGENT_ADDED ${a2}`,
      `AGENT_REMOVED ${a2}`,
      'TASK_ADDED torn TASK_STAGING',
      ...updates('torn', ['TASK_STAGING', ...heard(s, 'torn')]),
      'TASK_UPDATED torn TASK_KILLED',
      'FRAMEWORK_REMOVED ops-test-renamed',
    ];
    assert.deepEqual(sub.changes().map(summary), expected);
    assert.deepEqual(heard(s, 'done').at(-1), 'TASK_FINISHED');
    // TASK_UPDATED names the framework and the latest state.
    const finished = sub.changes().find((e) => e.task_updated?.status.state === 'TASK_FINISHED')!;
    assert.equal(finished.task_updated!.framework_id.value, s.client.frameworkId);
    assert.equal(finished.task_updated!.state, 'TASK_FINISHED');
    assert.equal(finished.task_updated!.status.agent_id!.value, a1);

    sub.close();
    await waitFor('the subscriber gone from the gauge', async () => {
      const m = await master.json<Record<string, number>>('/metrics/snapshot');
      return m['master/operator_event_stream_subscribers'] === 0;
    });
    assert.match(master.output, /Added subscriber 1 at 127\.0\.0\.1:\d+ to the list of active subscribers/);
    assert.match(master.output, /Removed subscriber 1 from the list of active subscribers/);
  });

  test('protobuf: the same stream as protobuf records', async () => {
    const master = await startMaster(['--registry=in_memory']);
    daemons.push(master);
    const agent = await startAgent(master);
    daemons.push(agent);
    const sub = await Subscription.open(master.port, 'application/x-protobuf');
    assert.equal(sub.contentType, 'application/x-protobuf');
    assert.equal(sub.events[0]!.type, 'SUBSCRIBED');
    assert.equal(sub.events[0]!.subscribed!.get_state!.get_agents!.agents!.length, 1);
    const s = await scheduler(master, 'proto-test');
    await s.launch((o) => [task('p1', o, 'true', 0.1, 32)]);
    await s.waitState('p1', 'TASK_FINISHED');
    await waitFor('TASK_FINISHED event', () => sub.changes().some((e) => e.task_updated?.state === 'TASK_FINISHED'));
    assert.deepEqual(sub.changes().map(summary), [
      'FRAMEWORK_ADDED proto-test',
      'TASK_ADDED p1 TASK_STAGING',
      ...heard(s, 'p1').map((st) => `TASK_UPDATED p1 ${st}`),
    ]);
    sub.close();
  });

  test('authenticated as the /api/v1 realm asks; each principal sees the frameworks its view_frameworks ACLs allow', async () => {
    const dir = tempDir('operator-acls');
    const file = (name: string, body: unknown) => {
      const p = path.join(dir, name);
      writeFileSync(p, JSON.stringify(body));
      chmodSync(p, 0o600);
      return `file://${p}`;
    };
    const acls = {
      view_frameworks: [
        { principals: { values: ['ops'] }, users: { type: 'ANY' } },
        { principals: { values: ['dev'] }, users: { values: ['alice'] } },
        { principals: { type: 'ANY' }, users: { type: 'NONE' } },
      ],
    };
    const credentials = { credentials: ['ops', 'dev'].map((p) => ({ principal: p, secret: `${p}-secret` })) };
    const master = await startMaster([
      '--registry=in_memory',
      '--authenticate_http_readwrite',
      `--acls=${file('acls.json', acls)}`,
      `--credentials=${file('credentials.json', credentials)}`,
    ]);
    daemons.push(master);
    const anonymous = await fetch(`${master.url}/api/v1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"type":"SUBSCRIBE"}',
    });
    assert.equal(anonymous.status, 401);
    const ops = await Subscription.open(master.port, 'application/json', basicAuthorization('ops', 'ops-secret'));
    const dev = await Subscription.open(master.port, 'application/json', basicAuthorization('dev', 'dev-secret'));
    for (const user of ['alice', 'bob']) {
      const s = new TestScheduler(master.port);
      schedulers.push(s);
      await s.subscribe({ name: `fw-${user}`, user });
    }
    await waitFor('both frameworks at ops', () => ops.changes().length === 2);
    await sleep(300);
    assert.deepEqual(ops.changes().map(summary), ['FRAMEWORK_ADDED fw-alice', 'FRAMEWORK_ADDED fw-bob']);
    assert.deepEqual(dev.changes().map(summary), ['FRAMEWORK_ADDED fw-alice']);
    ops.close();
    dev.close();
  });

  test('a subscriber that does not read is cut off at --max_event_stream_buffer_size; one that reads goes on; RSS stays bounded', async () => {
    const master = await startMaster(['--registry=in_memory', '--max_event_stream_buffer_size=64KB']);
    daemons.push(master);
    const reader = await Subscription.open(master.port);
    const stalled = await stalledOperator(master.port);
    const s = await scheduler(master, 'big');
    const pid = master.proc.pid!;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const rss = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 20);
    // Each UPDATE_FRAMEWORK makes a FRAMEWORK_UPDATED of about 1.5 MB (its labels): 100 of them
    // are 150 MB that an unbounded stream would keep for the subscriber that does not read (the
    // master's RSS then grew about 200 MB here; bounded, about 75 MB of parsing and garbage).
    const labels = { labels: Array.from({ length: 13 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(120 * 1024) })) };
    for (let i = 0; i < 100; i++) {
      await s.client.call({
        type: 'UPDATE_FRAMEWORK',
        update_framework: {
          framework_info: { id: { value: s.client.frameworkId! }, name: `big-${i}`, user: os.userInfo().username, labels },
        },
      });
    }
    await waitFor(
      'the reader has every update',
      () => reader.changes().filter((e) => e.type === 'FRAMEWORK_UPDATED').length === 100,
      90_000,
    );
    clearInterval(rss);
    const grownMb = (peak - baseline) / 2 ** 20;
    console.log(`RSS ${(baseline / 2 ** 20).toFixed(0)} MB -> peak ${(peak / 2 ** 20).toFixed(0)} MB`);
    assert.match(
      master.output,
      /Disconnecting operator event stream subscriber 2 at 127\.0\.0\.1:\d+: \d+ bytes of events wait for it, more than its SUBSCRIBED and --max_event_stream_buffer_size=65536 bytes; it may subscribe again/,
    );
    // Reading what was sent before the cut, the stalled subscriber finds its stream ended.
    stalled.resume();
    await stalled.closed;
    assert.ok(grownMb < 130, `RSS grew ${grownMb.toFixed(0)} MB`);
    const m = await master.json<Record<string, number>>('/metrics/snapshot');
    assert.equal(m['master/operator_event_stream_subscribers'], 1);
    assert.equal(reader.ended, false);
    reader.close();
  });
});

/** A SUBSCRIBE over a raw socket that reads the response headers, then stops reading. */
async function stalledOperator(port: number): Promise<{ resume(): void; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const body = '{"type":"SUBSCRIBE"}';
  socket.write(
    `POST /api/v1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  await new Promise<void>((resolve) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('"SUBSCRIBED"')) {
        socket.off('data', onData);
        socket.pause();
        resolve();
      }
    };
    socket.on('data', onData);
  });
  return {
    resume: () => {
      socket.on('data', () => undefined);
      socket.resume();
    },
    closed,
  };
}
