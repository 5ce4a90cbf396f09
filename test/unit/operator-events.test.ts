// The operator event stream's source (daemons/master/operator-events.ts), without sockets: what
// each subscriber receives, in which order, filtered by its viewer, encoded in its media type.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APPLICATION_JSON, APPLICATION_PROTOBUF } from '../../daemons/common/http.ts';
import type { FrameworkInfo, mesos, TaskInfo } from '../../daemons/common/mesos.ts';
import { decode } from '../../daemons/common/proto/codec.ts';
import { newFrameworkRecord } from '../../daemons/master/frameworks.ts';
import {
  type EventFormat,
  type EventStream,
  type EventViewer,
  OperatorEvents,
  frameworkEventBody,
} from '../../daemons/master/operator-events.ts';
import { type AgentRecord, type FrameworkRecord, TaskTable, type TaskRecord, newTaskRecord } from '../../daemons/master/records.ts';

type Event = mesos.v1.master.Event;

/** A viewer seeing frameworks and tasks of the Unix users it is given. */
function usersViewer(users: string[] | undefined): EventViewer {
  const sees = (user: string | undefined) => users === undefined || users.includes(user ?? '');
  return { framework: (info: FrameworkInfo) => sees(info.user), task: (_t: TaskInfo, fw: FrameworkInfo) => sees(fw.user) };
}

/** A format that counts how often it is asked, and whose state names the viewer's principal. */
function countingFormat(principals: Record<string, string[]>) {
  const calls = { task: 0, agent: 0, framework: 0, state: 0 };
  const format: EventFormat<EventViewer & { principal: string | undefined }> = {
    viewer: (principal) => ({ ...usersViewer(principal === undefined ? undefined : principals[principal]), principal }),
    state: (viewer) => {
      calls.state++;
      return { get_agents: { agents: [] }, get_tasks: viewer.principal === undefined ? {} : { tasks: [] } };
    },
    task: (task) => {
      calls.task++;
      return {
        name: task.info.name,
        task_id: task.info.task_id,
        framework_id: { value: task.frameworkId },
        agent_id: { value: task.agentId },
        state: task.state,
      };
    },
    agent: (agent) => {
      calls.agent++;
      return {
        agent_info: { hostname: agent.hostname, id: { value: agent.id } },
        active: agent.active,
        version: agent.version,
        pid: agent.pid,
      };
    },
    framework: (fw) => {
      calls.framework++;
      return {
        framework_info: fw.info,
        active: fw.active,
        connected: fw.connected,
        recovered: false,
        offers: [],
        allocated_resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }],
      };
    },
  };
  return { format, calls };
}

/** A stream that keeps what it is sent. */
class Collected implements EventStream {
  records: Array<string | Uint8Array> = [];
  closed = false;
  send(payload: string | Uint8Array): void {
    this.records.push(payload);
  }
  close(): void {
    this.closed = true;
  }
  events(): Event[] {
    return this.records.map((r) => (typeof r === 'string' ? (JSON.parse(r) as Event) : decode('mesos.v1.master.Event', r)));
  }
  types(): string[] {
    return this.events().map((e) => e.type!);
  }
}

function framework(id: string, user: string): FrameworkRecord {
  return newFrameworkRecord(id, { id: { value: id }, name: `fw-${id}`, user }, 1_000);
}

function task(fw: FrameworkRecord, id: string, agentId = 'a1'): TaskRecord {
  return newTaskRecord({
    info: { name: id, task_id: { value: id }, agent_id: { value: agentId } },
    frameworkId: fw.id,
    agentId,
    executorId: '',
    role: '*',
    resources: [],
    state: 'TASK_STAGING',
    statuses: [],
    resourcesRecovered: false,
  });
}

function agent(id: string): AgentRecord {
  return {
    id,
    hostname: `host-${id}`,
    port: 5051,
    pid: `slave(1)@127.0.0.1:5051`,
    version: '1.11.0',
    resources: [],
    attributes: [],
    capabilities: [],
    registeredTime: 1,
    active: true,
    tasks: new TaskTable(),
    offers: new Set(),
    missedPongs: 0,
    lastPingSeq: 0,
  };
}

const OPTIONS = { maxSubscribers: 10, heartbeatIntervalSecs: 15 };

describe('operator events', () => {
  test('a subscriber gets SUBSCRIBED with the state and heartbeat interval, a HEARTBEAT, then the changes in the order the master made them', () => {
    const { format } = countingFormat({});
    const events = new OperatorEvents(format, OPTIONS);
    const out = new Collected();
    events.subscribe(undefined, APPLICATION_JSON, out);
    const fw = framework('f1', 'alice');
    const a = agent('a1');
    const t = task(fw, 't1');
    events.agentAdded(a);
    events.frameworkAdded(fw);
    events.taskAdded(fw, t);
    t.state = 'TASK_RUNNING';
    events.taskUpdated(fw.info, t, { task_id: { value: 't1' }, state: 'TASK_RUNNING', data: 'Ynl0ZXM=', timestamp: 5 });
    events.frameworkUpdated(fw);
    events.frameworkRemoved(fw.info);
    events.agentRemoved('a1');
    events.heartbeat();
    assert.deepEqual(out.types(), [
      'SUBSCRIBED',
      'HEARTBEAT',
      'AGENT_ADDED',
      'FRAMEWORK_ADDED',
      'TASK_ADDED',
      'TASK_UPDATED',
      'FRAMEWORK_UPDATED',
      'FRAMEWORK_REMOVED',
      'AGENT_REMOVED',
      'HEARTBEAT',
    ]);
    const [subscribed, , added, fwAdded, taskAdded, updated, , removed, agentRemoved] = out.events();
    assert.deepEqual(subscribed!.subscribed, { get_state: { get_agents: { agents: [] }, get_tasks: {} }, heartbeat_interval_seconds: 15 });
    assert.equal(added!.agent_added!.agent.agent_info.hostname, 'host-a1');
    assert.equal(taskAdded!.task_added!.task.task_id.value, 't1');
    // FRAMEWORK_ADDED carries no offers or resources (createFrameworkAdded).
    assert.deepEqual(Object.keys(fwAdded!.framework_added!.framework).sort(), ['active', 'connected', 'framework_info', 'recovered']);
    // The status's data is dropped; the agent it ran on is added.
    assert.deepEqual(updated!.task_updated, {
      framework_id: { value: 'f1' },
      state: 'TASK_RUNNING',
      status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', timestamp: 5, agent_id: { value: 'a1' } },
    });
    assert.equal(removed!.framework_removed!.framework_info.name, 'fw-f1');
    assert.deepEqual(agentRemoved!.agent_removed, { agent_id: { value: 'a1' } });
  });

  test('TASK_UPDATED carries the latest state, which may differ from the status it reports', () => {
    const events = new OperatorEvents(countingFormat({}).format, OPTIONS);
    const out = new Collected();
    events.subscribe(undefined, APPLICATION_JSON, out);
    const fw = framework('f1', 'alice');
    const t = task(fw, 't1');
    t.state = 'TASK_FINISHED';
    events.taskUpdated(fw.info, t, { task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    const updated = out.events().at(-1)!.task_updated!;
    assert.equal(updated.state, 'TASK_FINISHED');
    assert.equal(updated.status.state, 'TASK_RUNNING');
  });

  test('a subscriber sees only the frameworks and tasks its principal may view; agents and heartbeats go to all', () => {
    const events = new OperatorEvents(countingFormat({ ops: ['alice'], other: ['bob'] }).format, OPTIONS);
    const ops = new Collected();
    const other = new Collected();
    events.subscribe('ops', APPLICATION_JSON, ops);
    events.subscribe('other', APPLICATION_JSON, other);
    const alice = framework('f1', 'alice');
    const bob = framework('f2', 'bob');
    events.frameworkAdded(alice);
    events.frameworkAdded(bob);
    events.taskAdded(alice, task(alice, 'ta'));
    events.taskAdded(bob, task(bob, 'tb'));
    events.taskUpdated(alice.info, task(alice, 'ta'), { task_id: { value: 'ta' }, state: 'TASK_RUNNING' });
    events.frameworkUpdated(bob);
    events.frameworkRemoved(alice.info);
    events.agentAdded(agent('a1'));
    const names = (c: Collected) =>
      c
        .events()
        .slice(2)
        .map(
          (e) =>
            `${e.type} ${e.framework_added?.framework.framework_info.name ?? e.framework_updated?.framework.framework_info.name ?? e.framework_removed?.framework_info.name ?? e.task_added?.task.task_id.value ?? e.task_updated?.status.task_id.value ?? e.agent_added?.agent.agent_info.hostname}`,
        );
    assert.deepEqual(names(ops), [
      'FRAMEWORK_ADDED fw-f1',
      'TASK_ADDED ta',
      'TASK_UPDATED ta',
      'FRAMEWORK_REMOVED fw-f1',
      'AGENT_ADDED host-a1',
    ]);
    assert.deepEqual(names(other), ['FRAMEWORK_ADDED fw-f2', 'TASK_ADDED tb', 'FRAMEWORK_UPDATED fw-f2', 'AGENT_ADDED host-a1']);
  });

  test('a task of a framework the principal may not view is not sent even when the task itself is visible', () => {
    const format = countingFormat({}).format;
    const events = new OperatorEvents({ ...format, viewer: () => ({ framework: () => false, task: () => true, principal: 'p' }) }, OPTIONS);
    const out = new Collected();
    events.subscribe('p', APPLICATION_JSON, out);
    const fw = framework('f1', 'alice');
    events.taskAdded(fw, task(fw, 't1'));
    events.taskUpdated(fw.info, task(fw, 't1'), { task_id: { value: 't1' }, state: 'TASK_RUNNING' });
    assert.deepEqual(out.types(), ['SUBSCRIBED', 'HEARTBEAT']);
  });

  test("the state in SUBSCRIBED is the one of the subscriber's principal", () => {
    const events = new OperatorEvents(countingFormat({ ops: [] }).format, OPTIONS);
    const anonymous = new Collected();
    const ops = new Collected();
    events.subscribe(undefined, APPLICATION_JSON, anonymous);
    events.subscribe('ops', APPLICATION_JSON, ops);
    assert.deepEqual(anonymous.events()[0]!.subscribed!.get_state!.get_tasks, {});
    assert.deepEqual(ops.events()[0]!.subscribed!.get_state!.get_tasks, { tasks: [] });
  });

  test('nothing is formatted while nobody listens, and each event once however many listen', () => {
    const { format, calls } = countingFormat({});
    const events = new OperatorEvents(format, OPTIONS);
    const fw = framework('f1', 'alice');
    events.taskAdded(fw, task(fw, 't1'));
    events.agentAdded(agent('a1'));
    events.frameworkAdded(fw);
    assert.deepEqual(calls, { task: 0, agent: 0, framework: 0, state: 0 });
    const streams = [new Collected(), new Collected(), new Collected()];
    for (const s of streams) events.subscribe(undefined, APPLICATION_JSON, s);
    events.taskAdded(fw, task(fw, 't2'));
    events.agentAdded(agent('a2'));
    events.frameworkAdded(fw);
    assert.deepEqual(calls, { task: 1, agent: 1, framework: 1, state: 3 });
    // The same encoded record goes to every JSON subscriber.
    assert.equal(streams[0]!.records.at(-1), streams[2]!.records.at(-1));
  });

  test('a protobuf subscriber gets protobuf records that decode to the same events as JSON', () => {
    const events = new OperatorEvents(countingFormat({}).format, OPTIONS);
    const json = new Collected();
    const proto = new Collected();
    events.subscribe(undefined, APPLICATION_JSON, json);
    events.subscribe(undefined, APPLICATION_PROTOBUF, proto);
    const fw = framework('f1', 'alice');
    events.taskAdded(fw, task(fw, 't1'));
    events.agentRemoved('a1');
    assert.ok(proto.records.every((r) => r instanceof Uint8Array));
    assert.ok(json.records.every((r) => typeof r === 'string'));
    assert.deepEqual(proto.events().slice(2), json.events().slice(2));
  });

  test('an unsubscribed stream gets nothing more; the count follows', () => {
    const events = new OperatorEvents(countingFormat({}).format, OPTIONS);
    const a = new Collected();
    const b = new Collected();
    const ida = events.subscribe(undefined, APPLICATION_JSON, a);
    events.subscribe(undefined, APPLICATION_JSON, b);
    assert.equal(events.size, 2);
    assert.equal(events.unsubscribe(ida), true);
    assert.equal(events.unsubscribe(ida), false);
    events.agentRemoved('a1');
    assert.equal(events.size, 1);
    assert.deepEqual(a.types(), ['SUBSCRIBED', 'HEARTBEAT']);
    assert.deepEqual(b.types(), ['SUBSCRIBED', 'HEARTBEAT', 'AGENT_REMOVED']);
  });

  test('beyond --max_operator_event_stream_subscribers the oldest subscriber is closed and told', () => {
    const dropped: number[] = [];
    const events = new OperatorEvents(countingFormat({}).format, { ...OPTIONS, maxSubscribers: 2, onDropped: (id) => dropped.push(id) });
    const streams = [new Collected(), new Collected(), new Collected()];
    const ids = streams.map((s) => events.subscribe(undefined, APPLICATION_JSON, s));
    assert.equal(events.size, 2);
    assert.deepEqual(dropped, [ids[0]]);
    assert.deepEqual(
      streams.map((s) => s.closed),
      [true, false, false],
    );
    events.agentRemoved('a1');
    assert.equal(streams[0]!.types().length, 2);
  });

  test('once started, every subscriber gets a HEARTBEAT each heartbeat interval', async () => {
    const events = new OperatorEvents(countingFormat({}).format, { ...OPTIONS, heartbeatIntervalSecs: 0.05 });
    const s = new Collected();
    events.subscribe(undefined, APPLICATION_JSON, s);
    const started = Date.now();
    events.start();
    const beats = () => s.types().filter((t) => t === 'HEARTBEAT').length;
    // One right after SUBSCRIBED, then one each 50 ms (later on a busy machine, never sooner).
    while (beats() < 4 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
    const elapsed = Date.now() - started;
    events.stop();
    assert.equal(beats(), 4);
    assert.ok(elapsed >= 145, `three intervals of 50 ms took ${elapsed} ms`);
  });

  test('stop ends every stream', () => {
    const events = new OperatorEvents(countingFormat({}).format, OPTIONS);
    const s = new Collected();
    events.subscribe(undefined, APPLICATION_JSON, s);
    events.start();
    events.stop();
    assert.equal(s.closed, true);
    assert.equal(events.size, 0);
  });

  test('frameworkEventBody keeps the info, flags and times only', () => {
    const body = frameworkEventBody({
      framework_info: { name: 'x', user: 'u' },
      active: true,
      connected: true,
      recovered: false,
      registered_time: { nanoseconds: 1 },
      offers: [],
      offered_resources: [],
      allocated_resources: [],
      inverse_offers: [],
    });
    assert.deepEqual(body, {
      framework_info: { name: 'x', user: 'u' },
      active: true,
      connected: true,
      recovered: false,
      registered_time: { nanoseconds: 1 },
    });
  });
});
