// The master core telling its operator event source (operator-events.ts) of its changes, with no
// sockets: a harness master with recording schedulers and agents, and subscribers that keep what
// they are sent. The order is the master's; under --acls each principal sees only the frameworks
// and tasks view_frameworks and view_tasks let it.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { APPLICATION_JSON } from '../../daemons/common/http.ts';
import type { mesos, TaskStatus } from '../../daemons/common/mesos.ts';
import { parseAcls } from '../../daemons/common/authorizer/acls.ts';
import { LocalAuthorizer } from '../../daemons/common/authorizer/local.ts';
import { masterMetrics } from '../../daemons/master/metrics.ts';
import type { EventStream } from '../../daemons/master/operator-events.ts';
import { MasterHarness, type RecordedFramework } from '../helpers/master-harness.ts';

type Event = mesos.v1.master.Event;

let harnesses: MasterHarness[] = [];
afterEach(() => {
  for (const h of harnesses) h.stop();
  harnesses = [];
});

class Collected implements EventStream {
  readonly events: Event[] = [];
  closed = false;
  send(payload: string | Uint8Array): void {
    this.events.push(JSON.parse(String(payload)) as Event);
  }
  close(): void {
    this.closed = true;
  }
  /** After SUBSCRIBED and the first HEARTBEAT, each event in one line. */
  lines(): string[] {
    return this.events.slice(2).map((e) => {
      const t = e.task_added?.task ?? undefined;
      if (t) return `TASK_ADDED ${t.task_id.value} ${t.state}`;
      if (e.task_updated) return `TASK_UPDATED ${e.task_updated.status.task_id.value} ${e.task_updated.state}`;
      const fw = e.framework_added?.framework ?? e.framework_updated?.framework;
      if (fw) return `${e.type} ${fw.framework_info.name}`;
      if (e.framework_removed) return `FRAMEWORK_REMOVED ${e.framework_removed.framework_info.name}`;
      if (e.agent_added) return `AGENT_ADDED ${e.agent_added.agent.agent_info.hostname}`;
      if (e.agent_removed) return `AGENT_REMOVED ${e.agent_removed.agent_id.value}`;
      return String(e.type);
    });
  }
}

function harness(acls?: object): MasterHarness {
  let authorizer: LocalAuthorizer | undefined;
  if (acls) {
    const parsed = parseAcls(acls);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    authorizer = new LocalAuthorizer(parsed.value);
  }
  const h = new MasterHarness(authorizer ? { authorizer } : {});
  harnesses.push(h);
  return h;
}

function subscriber(h: MasterHarness, principal?: string): Collected {
  const c = new Collected();
  h.master.operatorEvents.subscribe(principal, APPLICATION_JSON, c);
  return c;
}

/** Offers a test has launched on. */
const usedOffers = new Set<string>();

/** Launches task `id` on an offer the framework has not used yet. */
async function launch(h: MasterHarness, sched: RecordedFramework, id: string): Promise<void> {
  await h.allocation();
  const offer = sched.offers().find((o) => !usedOffers.has(o.id.value));
  assert.ok(offer, `an unused offer for ${sched.fw.info.name}`);
  usedOffers.add(offer.id.value);
  const status = sched.call('ACCEPT', {
    accept: {
      offer_ids: [offer.id],
      operations: [
        {
          type: 'LAUNCH',
          launch: {
            task_infos: [
              {
                name: id,
                task_id: { value: id },
                agent_id: offer.agent_id,
                resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }],
                command: { value: 'sleep 100' },
              },
            ],
          },
        },
      ],
    },
    filters: { refuse_seconds: 0 },
  });
  assert.equal(status, 202);
}

function update(id: string, state: TaskStatus['state'], n: number): TaskStatus {
  return { task_id: { value: id }, state, uuid: Buffer.alloc(16, n).toString('base64'), source: 'SOURCE_EXECUTOR' };
}

describe('the master tells its operator event source', () => {
  test('framework, agent and task changes, in the order the master makes them', async () => {
    const h = harness();
    const sub = subscriber(h);
    const agent = h.register();
    const sched = h.subscribe({ name: 'fw-a' });
    await launch(h, sched, 't1');
    h.master.statusUpdate(agent.agent, sched.fw.id, update('t1', 'TASK_RUNNING', 1));
    // A retried update adds no event.
    h.master.statusUpdate(agent.agent, sched.fw.id, update('t1', 'TASK_RUNNING', 1));
    h.master.statusUpdate(agent.agent, sched.fw.id, update('t1', 'TASK_FINISHED', 2));
    await launch(h, sched, 't2');
    h.master.updateFramework(sched.fw, { ...sched.fw.info, name: 'fw-b' }, []);
    const other = h.register();
    h.master.removeAgent(other.agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
    h.master.removeFramework(sched.fw, 'test');
    assert.deepEqual(sub.lines(), [
      'AGENT_ADDED agent0.test',
      'FRAMEWORK_ADDED fw-a',
      'TASK_ADDED t1 TASK_STAGING',
      'TASK_UPDATED t1 TASK_RUNNING',
      'TASK_UPDATED t1 TASK_FINISHED',
      'TASK_ADDED t2 TASK_STAGING',
      'FRAMEWORK_UPDATED fw-b',
      'AGENT_ADDED agent2.test',
      `AGENT_REMOVED ${other.agent.id}`,
      'TASK_UPDATED t2 TASK_KILLED',
      'FRAMEWORK_REMOVED fw-b',
    ]);
  });

  test("an agent's removal reports its tasks unreachable (or lost), then the agent", async () => {
    const h = harness();
    const agent = h.register();
    const aware = h.subscribe({ name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] });
    await launch(h, aware, 'a1');
    const sub = subscriber(h);
    h.master.removeAgent(agent.agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
    assert.deepEqual(sub.lines(), ['TASK_UPDATED a1 TASK_UNREACHABLE', `AGENT_REMOVED ${agent.agent.id}`]);
    const status = sub.events[2]!.task_updated!.status;
    assert.equal(status.state, 'TASK_UNREACHABLE');
    assert.equal(status.agent_id!.value, agent.agent.id);
  });

  test("SUBSCRIBED's state is GET_STATE's, and master/operator_event_stream_subscribers counts the subscribers", async () => {
    const h = harness();
    h.register();
    const sched = h.subscribe({ name: 'fw-a' });
    await launch(h, sched, 't1');
    assert.equal(masterMetrics(h.master)['master/operator_event_stream_subscribers'], 0);
    const sub = subscriber(h);
    subscriber(h);
    const state = sub.events[0]!.subscribed!.get_state!;
    assert.deepEqual(
      state.get_tasks!.tasks!.map((t) => t.task_id.value),
      ['t1'],
    );
    assert.deepEqual(
      state.get_frameworks!.frameworks!.map((f) => f.framework_info.name),
      ['fw-a'],
    );
    assert.equal(state.get_agents!.agents!.length, 1);
    assert.equal(masterMetrics(h.master)['master/operator_event_stream_subscribers'], 2);
  });

  test('under --acls a principal sees the frameworks and tasks of the users it may view, in SUBSCRIBED and after', async () => {
    const h = harness({
      permissive: true,
      view_frameworks: [
        { principals: { values: ['ops'] }, users: { values: ['alice'] } },
        { principals: { values: ['ops'] }, users: { type: 'NONE' } },
      ],
      view_tasks: [
        { principals: { values: ['ops'] }, users: { values: ['alice'] } },
        { principals: { values: ['ops'] }, users: { type: 'NONE' } },
      ],
    });
    for (let i = 0; i < 3; i++) h.register();
    const alice = h.subscribe({ name: 'fw-alice', user: 'alice' });
    await launch(h, alice, 'ta0');
    const ops = subscriber(h, 'ops');
    const admin = subscriber(h, 'admin');
    const bob = h.subscribe({ name: 'fw-bob', user: 'bob' });
    await launch(h, alice, 'ta');
    await launch(h, bob, 'tb');
    h.master.removeFramework(bob.fw, 'test');
    const stateNames = (c: Collected) => c.events[0]!.subscribed!.get_state!.get_frameworks!.frameworks?.map((f) => f.framework_info.name);
    assert.deepEqual(stateNames(ops), ['fw-alice']);
    assert.deepEqual(ops.lines(), ['TASK_ADDED ta TASK_STAGING']);
    assert.deepEqual(admin.lines(), [
      'FRAMEWORK_ADDED fw-bob',
      'TASK_ADDED ta TASK_STAGING',
      'TASK_ADDED tb TASK_STAGING',
      'TASK_UPDATED tb TASK_KILLED',
      'FRAMEWORK_REMOVED fw-bob',
    ]);
  });
});
