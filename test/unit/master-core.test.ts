import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { MasterToAgent, RegisterMessage, ReportedTask } from '../../daemons/common/agent-protocol.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import type { ExecutorInfo, FrameworkInfo, Offer, TaskInfo, TaskState, TaskStatus } from '../../daemons/common/mesos.ts';
import { contains, parseResources, scalar } from '../../daemons/common/resources.ts';
import type { AgentLink, EventSink, SchedulerEvent } from '../../daemons/master/links.ts';
import { jsonText } from '../../daemons/common/raw-json.ts';
import { PING_SLOTS, pingSlot } from '../../daemons/master/agents.ts';
import { FILTER_EXPIRY_BATCH_MS, Master, type MasterConfig } from '../../daemons/master/master.ts';
import { masterMetricSet, masterMetrics } from '../../daemons/master/metrics.ts';
import { metricHelp } from '../../daemons/common/metric-help.ts';
import type { AgentRecord, FrameworkRecord } from '../../daemons/master/records.ts';
import type { SchedulerCall } from '../../daemons/common/mesos.ts';
import { CallError, applyCall, frameworkForCall } from '../../daemons/master/scheduler-calls.ts';
import { forgetStateJson, frameworksJson, slavesJson, stateJson } from '../../daemons/master/state-json.ts';
import { rolesJson, stateSummaryJson } from '../../daemons/master/summary-json.ts';
import { TEST_MASTER_CONFIG } from '../helpers/master-config.ts';

const CONFIG: MasterConfig = TEST_MASTER_CONFIG;

class Sink implements EventSink {
  readonly events: SchedulerEvent[] = [];
  closed = false;
  send(event: SchedulerEvent): void {
    this.events.push(event);
  }
  close(): void {
    this.closed = true;
  }
  ofType(type: SchedulerEvent['type']): SchedulerEvent[] {
    return this.events.filter((e) => e.type === type);
  }
  updates(): TaskStatus[] {
    return this.ofType('UPDATE').map((e) => (e.update as { status: TaskStatus }).status);
  }
  offers(): Offer[] {
    return this.ofType('OFFERS').flatMap((e) => (e.offers as { offers: Offer[] }).offers);
  }
}

class Link implements AgentLink {
  readonly messages: MasterToAgent[] = [];
  closed = false;
  send(message: MasterToAgent): void {
    this.messages.push(message);
  }
  close(): void {
    this.closed = true;
  }
  ofType<T extends MasterToAgent['type']>(type: T): Extract<MasterToAgent, { type: T }>[] {
    return this.messages.filter((m): m is Extract<MasterToAgent, { type: T }> => m.type === type);
  }
}

/**
 * The master batches allocation at the end of the turn, or, after a run longer than a few
 * milliseconds (a loaded machine), a pause later (allocationPauseMs); this lets it run.
 */
const allocation = async () => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  while (masters.some((m) => m.allocationPending)) await new Promise<void>((resolve) => setTimeout(resolve, 1));
};

/** The shortest allocation interval (50 ms), for tests that wait for the periodic allocation. */
const FAST_TICKS: Partial<MasterConfig> = { allocationIntervalSecs: 0.05 };

/** Waits past the next periodic allocation of a FAST_TICKS master, and lets it run. */
const periodicAllocation = async () => {
  await new Promise((resolve) => setTimeout(resolve, 80));
  await allocation();
};

let masters: Master[] = [];
afterEach(() => {
  for (const m of masters) m.stop();
  masters = [];
});

function newMaster(config: Partial<MasterConfig> = {}): Master {
  const m = new Master({ ...CONFIG, ...config }, silentLogger());
  masters.push(m);
  return m;
}

function frameworkInfo(extra: Partial<FrameworkInfo> = {}, partitionAware = true): FrameworkInfo {
  const caps: FrameworkInfo['capabilities'] = [{ type: 'TASK_KILLING_STATE' }];
  if (partitionAware) caps.push({ type: 'PARTITION_AWARE' });
  return { user: 'tester', name: 'test-framework', capabilities: caps, failover_timeout: 3600, ...extra };
}

let streamSeq = 0;
function subscribe(master: Master, info = frameworkInfo()): { fw: FrameworkRecord; sink: Sink; streamId: string } {
  const sink = new Sink();
  const streamId = `stream-${streamSeq++}`;
  const fw = master.subscribe(info, [], sink, streamId);
  return { fw, sink, streamId };
}

function registration(extra: Partial<RegisterMessage['register']> = {}): RegisterMessage['register'] {
  return {
    hostname: 'agent1.test',
    port: 5051,
    pid: 'slave(1)@10.0.0.2:5051',
    version: '1.11.0',
    resources: parseResources('cpus:2;mem:1024;ports:[31000-31010]'),
    attributes: [],
    tasks: [],
    frameworks: [],
    ...extra,
  };
}

function register(master: Master, extra: Partial<RegisterMessage['register']> = {}): { agent: AgentRecord; link: Link } {
  const link = new Link();
  const id = master.registerAgent(registration(extra), link, `agent-stream-${streamSeq++}`);
  return { agent: master.agents.get(id)!, link };
}

/** The newest offer of this agent the framework still holds. */
function currentOffer(master: Master, sink: Sink, agentId: string): Offer {
  const offer = sink
    .offers()
    .reverse()
    .find((o) => o.agent_id.value === agentId && master.offers.has(o.id.value));
  assert.ok(offer, `the framework holds an offer of agent ${agentId}`);
  return offer;
}

function taskInfo(id: string, agentId: string, resources = 'cpus:0.5;mem:128'): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: parseResources(resources),
    command: { value: 'sleep 100' },
  };
}

function call(master: Master, fw: FrameworkRecord, type: string, body: Record<string, unknown> = {}): number {
  return applyCall(master, fw, { type, framework_id: { value: fw.id }, ...body } as SchedulerCall);
}

function launch(master: Master, fw: FrameworkRecord, offerIds: string[], tasks: TaskInfo[], refuseSeconds?: number): number {
  return call(master, fw, 'ACCEPT', {
    accept: {
      offer_ids: offerIds.map((value) => ({ value })),
      operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }],
      ...(refuseSeconds === undefined ? {} : { filters: { refuse_seconds: refuseSeconds } }),
    },
  });
}

function agentStatus(taskId: string, state: TaskState, uuid = newStatusUuid()): TaskStatus {
  return { task_id: { value: taskId }, state, uuid, source: 'SOURCE_EXECUTOR', timestamp: Date.now() / 1000 };
}

/** A cluster with one agent and one framework that holds a running task `t1` on it. */
async function clusterWithRunningTask(info = frameworkInfo()) {
  const master = newMaster();
  const { fw, sink, streamId } = subscribe(master, info);
  const { agent, link } = register(master);
  await allocation();
  const offer = currentOffer(master, sink, agent.id);
  launch(master, fw, [offer.id.value], [taskInfo('t1', agent.id)]);
  const running = agentStatus('t1', 'TASK_RUNNING');
  master.statusUpdate(agent, fw.id, running);
  master.acknowledge(fw, agent.id, 't1', running.uuid!);
  return { master, fw, sink, streamId, agent, link };
}

describe('Master core: subscription and offers', () => {
  test('SUBSCRIBE answers SUBSCRIBED with the framework id and master info', () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    assert.equal(sink.events.length, 1);
    const ev = sink.events[0]!;
    assert.equal(ev.type, 'SUBSCRIBED');
    const sub = ev.subscribed as {
      framework_id: { value: string };
      heartbeat_interval_seconds: number;
      master_info: { id: string; port: number; hostname: string };
    };
    assert.equal(sub.framework_id.value, fw.id);
    assert.ok(fw.id.startsWith(master.id));
    assert.equal(sub.heartbeat_interval_seconds, 15);
    assert.equal(sub.master_info.id, master.id);
    assert.equal(sub.master_info.port, 5050);
    assert.equal(sub.master_info.hostname, 'master.test');
    assert.ok(master.frameworks.has(fw.id));
    assert.equal(fw.connected, true);
    assert.equal(fw.active, true);
    assert.equal(fw.partitionAware, true);
    assert.equal(fw.killingStateCapable, true);
    assert.deepEqual(fw.roles, ['*']);
  });

  test('two subscriptions get distinct framework ids', () => {
    const master = newMaster();
    const a = subscribe(master);
    const b = subscribe(master);
    assert.notEqual(a.fw.id, b.fw.id);
  });

  test('re-subscribing with the id fails over: the old stream gets ERROR and is closed', () => {
    const master = newMaster();
    const first = subscribe(master);
    const second = subscribe(master, frameworkInfo({ id: { value: first.fw.id } }));
    assert.equal(second.fw, first.fw);
    assert.equal(first.sink.closed, true);
    assert.equal(first.sink.ofType('ERROR').length, 1);
    assert.equal(second.sink.ofType('SUBSCRIBED').length, 1);
    assert.equal(master.frameworks.size, 1);
    assert.throws(
      () => frameworkForCall(master, first.fw.id, first.streamId),
      (err: unknown) => err instanceof CallError && err.status === 400,
    );
    assert.equal(frameworkForCall(master, first.fw.id, second.streamId), first.fw);
  });

  test('registerAgent answers REGISTERED, then the agent is offered to the framework', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent, link } = register(master);
    assert.equal(link.messages.length, 1);
    const reg = link.ofType('REGISTERED')[0]!.registered;
    assert.equal(reg.agent_id, agent.id);
    assert.equal(reg.master_id, master.id);
    assert.equal(reg.reregistered, false);
    assert.equal(reg.ping_interval_seconds, 15);
    assert.equal(reg.max_missed_pings, 5);
    assert.equal(sink.ofType('OFFERS').length, 0, 'allocation is batched');
    await allocation();
    const offers = sink.offers();
    assert.equal(offers.length, 1);
    const offer = offers[0]!;
    assert.equal(offer.agent_id.value, agent.id);
    assert.equal(offer.framework_id.value, fw.id);
    assert.equal(offer.hostname, 'agent1.test');
    assert.equal(scalar(offer.resources!, 'cpus'), 2);
    assert.equal(scalar(offer.resources!, 'mem'), 1024);
    // A framework without MULTI_ROLE gets the old format (Mesos's Master::offer); the master keeps the current one.
    assert.ok(offer.resources!.every((r) => r.allocation_info === undefined && r.role === '*'));
    assert.equal(offer.allocation_info, undefined);
    assert.deepEqual(master.offers.get(offer.id.value)?.offer.allocation_info, { role: '*' });
    assert.ok(master.offers.has(offer.id.value));
    assert.ok(fw.offers.has(offer.id.value));
    assert.ok(agent.offers.has(offer.id.value));
  });

  test('an agent registering before any framework is offered once one subscribes', async () => {
    const master = newMaster();
    const { agent } = register(master);
    await allocation();
    const { sink } = subscribe(master);
    await allocation();
    assert.equal(sink.offers().length, 1);
    assert.equal(sink.offers()[0]!.agent_id.value, agent.id);
  });
});

describe('Master core: launching and status updates', () => {
  test('ACCEPT with LAUNCH sends RUN_TASK to the agent and the task is STAGING', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent, link } = register(master);
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    assert.equal(launch(master, fw, [offer.id.value], [taskInfo('t1', agent.id)]), 202);
    const runs = link.ofType('RUN_TASK');
    assert.equal(runs.length, 1);
    const run = runs[0]!.run_task;
    assert.equal(run.framework.id?.value, fw.id);
    assert.equal(run.task.task_id.value, 't1');
    assert.ok(
      run.task.resources!.every((r) => r.allocation_info?.role === '*'),
      'allocation_info is filled in',
    );
    const task = fw.tasks.get('t1');
    assert.ok(task);
    assert.equal(task.state, 'TASK_STAGING');
    assert.equal(task.agentId, agent.id);
    assert.equal(agent.tasks.get(`${fw.id}/t1`), task);
    assert.equal(master.offers.has(offer.id.value), false, 'the offer is used up');
    assert.equal(fw.offers.size, 0);
    assert.equal(sink.updates().length, 0, 'nothing is said to the scheduler yet');
    assert.equal(master.counters.tasksLaunched, 1);
  });

  test('the unused part of an accepted offer is not re-offered within refuse_seconds', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [taskInfo('t1', agent.id)], 3600);
    await allocation();
    assert.equal(sink.offers().length, 1);
  });

  test('with refuse_seconds 0 the unused part comes back at the next periodic allocation, as in Mesos, not at once', async () => {
    const master = newMaster(FAST_TICKS);
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [taskInfo('t1', agent.id)], 0);
    await allocation();
    assert.equal(sink.offers().length, 1, 'not bounced straight back');
    await periodicAllocation();
    const offers = sink.offers();
    assert.equal(offers.length, 2);
    assert.equal(scalar(offers[1]!.resources!, 'cpus'), 1.5);
    assert.equal(scalar(offers[1]!.resources!, 'mem'), 896);
  });

  test('what one framework declined with refuse_seconds 0 goes to another framework at once', async () => {
    const master = newMaster();
    const first = subscribe(master, frameworkInfo({ name: 'first' }));
    const { agent } = register(master);
    await allocation();
    const second = subscribe(master, frameworkInfo({ name: 'second' }));
    call(master, first.fw, 'DECLINE', {
      decline: { offer_ids: [currentOffer(master, first.sink, agent.id).id], filters: { refuse_seconds: 0 } },
    });
    await allocation();
    assert.equal(scalar(currentOffer(master, second.sink, agent.id).resources!, 'cpus'), 2);
  });

  test('a decline with refuse_seconds 0, over and over, is offered again once per allocation interval, not in a loop', async () => {
    const master = newMaster(FAST_TICKS);
    master.start();
    const { fw, sink } = subscribe(master);
    register(master);
    // The framework declines every offer the moment it gets it, as a scheduler with nothing to run.
    const sendOffers = sink.send.bind(sink);
    sink.send = (event) => {
      sendOffers(event);
      if (event.type === 'OFFERS') {
        const ids = (event.offers as { offers: Offer[] }).offers.map((o) => o.id);
        queueMicrotask(() => call(master, fw, 'DECLINE', { decline: { offer_ids: ids, filters: { refuse_seconds: 0 } } }));
      }
    };
    await allocation();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 500 ms at one interval of 50 ms: about ten offers (the timers drift a little), not thousands.
    const n = sink.offers().length;
    assert.ok(n >= 3 && n <= 15, `${n} offers in 500 ms`);
  });

  test('refuse filters expiring close together are dropped by one allocation run, not one run each', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const agents = Array.from(
      { length: 20 },
      (_, i) => register(master, { hostname: `agent${i}.test`, pid: `slave(1)@10.0.1.${i}:5051` }).agent,
    );
    await allocation();
    // Filters that expire 2 ms apart, over 40 ms (and after the allocation interval, which a
    // shorter refusal would be stretched to).
    for (const [i, agent] of agents.entries()) {
      call(master, fw, 'DECLINE', {
        decline: { offer_ids: [currentOffer(master, sink, agent.id).id], filters: { refuse_seconds: 1.1 + i * 0.002 } },
      });
    }
    await allocation();
    const offersBefore = sink.offers().length;
    const runsBefore = master.offerBook.allocationRun.count;
    await new Promise((resolve) => setTimeout(resolve, 1100 + 40 + FILTER_EXPIRY_BATCH_MS + 100));
    await allocation();
    assert.equal(sink.offers().length - offersBefore, 20, 'every agent is offered again once its filter is gone');
    const runs = master.offerBook.allocationRun.count - runsBefore;
    assert.ok(runs <= 3, `${runs} allocation runs for 20 expiries`);
  });

  test('a status update is forwarded as UPDATE with its uuid and the agent id', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [taskInfo('t1', agent.id)]);
    const status = agentStatus('t1', 'TASK_RUNNING');
    master.statusUpdate(agent, fw.id, status);
    const updates = sink.updates();
    assert.equal(updates.length, 1);
    assert.equal(updates[0]!.state, 'TASK_RUNNING');
    assert.equal(updates[0]!.uuid, status.uuid);
    assert.equal(updates[0]!.agent_id?.value, agent.id);
    assert.equal(updates[0]!.task_id.value, 't1');
    assert.equal(fw.tasks.get('t1')!.state, 'TASK_RUNNING');
    assert.equal(fw.tasks.get('t1')!.pendingUuid, status.uuid);
    assert.equal(master.counters.validStatusUpdates, 1);
  });

  test('a status update without a state is counted invalid and dropped', async () => {
    const { master, fw, sink, agent } = await clusterWithRunningTask();
    const before = sink.events.length;
    master.statusUpdate(agent, fw.id, { task_id: { value: 't1' } } as TaskStatus);
    assert.equal(sink.events.length, before);
    assert.equal(master.counters.invalidStatusUpdates, 1);
  });

  test('TASK_KILLING is not forwarded to a framework without TASK_KILLING_STATE', async () => {
    const { master, fw, sink, agent } = await clusterWithRunningTask(frameworkInfo({ capabilities: [] }));
    const before = sink.updates().length;
    master.statusUpdate(agent, fw.id, agentStatus('t1', 'TASK_KILLING'));
    assert.equal(sink.updates().length, before);
  });

  test('ACKNOWLEDGE goes to the agent; a terminal acknowledged task moves to completedTasks', async () => {
    const { master, fw, sink, agent, link } = await clusterWithRunningTask();
    assert.equal(link.ofType('ACKNOWLEDGE').length, 1, 'the RUNNING acknowledgement');
    assert.ok(fw.tasks.has('t1'), 'a running acknowledged task stays active');

    const finished = agentStatus('t1', 'TASK_FINISHED');
    master.statusUpdate(agent, fw.id, finished);
    assert.equal(sink.updates().at(-1)!.state, 'TASK_FINISHED');
    assert.ok(fw.tasks.has('t1'), 'terminal but not acknowledged: still active');
    assert.equal(fw.completedTasks.length, 0);
    assert.equal(master.terminalCount('TASK_FINISHED'), 1);

    assert.equal(
      call(master, fw, 'ACKNOWLEDGE', { acknowledge: { agent_id: { value: agent.id }, task_id: { value: 't1' }, uuid: finished.uuid } }),
      202,
    );
    const acks = link.ofType('ACKNOWLEDGE');
    assert.equal(acks.length, 2);
    assert.deepEqual(acks[1]!.acknowledge, { framework_id: fw.id, task_id: 't1', uuid: finished.uuid });
    assert.equal(fw.tasks.has('t1'), false);
    assert.equal(agent.tasks.size, 0);
    assert.equal(fw.completedTasks.length, 1);
    assert.equal(fw.completedTasks[0]!.state, 'TASK_FINISHED');
  });

  test('an acknowledgement of an older uuid does not complete a terminal task', async () => {
    const { master, fw, agent } = await clusterWithRunningTask();
    const finished = agentStatus('t1', 'TASK_FAILED');
    master.statusUpdate(agent, fw.id, finished);
    master.acknowledge(fw, agent.id, 't1', newStatusUuid());
    assert.ok(fw.tasks.has('t1'));
    assert.equal(fw.completedTasks.length, 0);
  });

  test('ACKNOWLEDGE for an unknown or disconnected agent is accepted and dropped, as Mesos does', async () => {
    const { master, fw, agent, link } = await clusterWithRunningTask();
    const before = link.messages.length;
    assert.equal(
      call(master, fw, 'ACKNOWLEDGE', { acknowledge: { agent_id: { value: 'nope' }, task_id: { value: 't1' }, uuid: newStatusUuid() } }),
      202,
    );
    master.agentDisconnected(agent.id, agent.streamId!);
    assert.equal(
      call(master, fw, 'ACKNOWLEDGE', { acknowledge: { agent_id: { value: agent.id }, task_id: { value: 't1' }, uuid: newStatusUuid() } }),
      202,
    );
    assert.equal(link.messages.length, before, 'nothing reaches an agent');
  });

  test('a terminal update gives the task resources back for the next offer', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [taskInfo('t1', agent.id, 'cpus:2;mem:1024')]);
    await allocation();
    assert.equal(sink.offers().length, 1, 'everything is in use');
    master.statusUpdate(agent, fw.id, agentStatus('t1', 'TASK_FINISHED'));
    await allocation();
    assert.equal(sink.offers().length, 2);
    assert.equal(scalar(sink.offers()[1]!.resources!, 'cpus'), 2);
  });

  test('LATEST_STATE frees a task before its unacknowledged updates arrive; the task leaves only with its terminal update', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [taskInfo('t1', agent.id, 'cpus:2;mem:1024')]);
    const running = agentStatus('t1', 'TASK_RUNNING');
    master.statusUpdate(agent, fw.id, running);
    await allocation();
    assert.equal(sink.offers().length, 1, 'everything is in use');

    // The task finished on the agent while RUNNING still waits for its acknowledgement.
    master.latestState(agent, fw.id, 't1', 'TASK_FINISHED');
    await allocation();
    assert.equal(sink.offers().length, 2, 'its resources are offered at once');
    assert.equal(scalar(sink.offers()[1]!.resources!, 'cpus'), 2);
    assert.equal(master.terminalCount('TASK_FINISHED'), 1);
    assert.equal(sink.updates().at(-1)!.state, 'TASK_RUNNING', 'the scheduler hears nothing new');
    assert.deepEqual(
      fw.tasks.get('t1')!.statuses.map((st) => st.state),
      ['TASK_RUNNING'],
      'no history before the update itself',
    );

    master.acknowledge(fw, agent.id, 't1', running.uuid!);
    assert.ok(fw.tasks.has('t1'), 'acknowledging RUNNING does not complete it');

    const finished = agentStatus('t1', 'TASK_FINISHED');
    master.statusUpdate(agent, fw.id, finished);
    assert.equal(master.terminalCount('TASK_FINISHED'), 1, 'counted once');
    assert.deepEqual(
      fw.tasks.get('t1')!.statuses.map((st) => st.state),
      ['TASK_RUNNING', 'TASK_FINISHED'],
    );
    await allocation();
    assert.equal(sink.offers().length, 2, 'nothing freed twice');
    master.acknowledge(fw, agent.id, 't1', finished.uuid!);
    assert.equal(fw.tasks.has('t1'), false);
    assert.equal(fw.completedTasks[0]!.state, 'TASK_FINISHED');
  });

  test('/metrics/snapshot totals and uses the resources of every agent', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master, { resources: parseResources('cpus:0.1;mem:1024;disk:10;ports:[31000-31010]') });
    register(master, { hostname: 'agent2.test', pid: 'slave(1)@10.0.0.3:5051', resources: parseResources('cpus:0.2;mem:512;gpus:1') });
    await allocation();
    launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [taskInfo('t1', agent.id, 'cpus:0.1;mem:256')]);
    master.statusUpdate(agent, fw.id, agentStatus('t1', 'TASK_RUNNING'));
    const m = masterMetrics(master);
    assert.deepEqual(
      ['cpus', 'mem', 'disk', 'gpus'].map((r) => [m[`master/${r}_total`], m[`master/${r}_used`], m[`master/${r}_percent`]]),
      [
        [0.3, 0.1, 0.1 / 0.3],
        [1536, 256, 256 / 1536],
        [10, 0, 0],
        [1, 0, 0],
      ],
    );
    assert.equal(m['master/tasks_running'], 1);
  });

  test('the metrics are typed as Mesos registers them: counters, gauges, and the allocator timers', async () => {
    const master = newMaster();
    subscribe(master);
    register(master);
    await allocation();
    const set = masterMetricSet(master);
    const counters = ['finished', 'failed', 'killed', 'lost', 'error', 'dropped', 'gone', 'gone_by_operator'].map(
      (s) => `master/tasks_${s}`,
    );
    counters.push(
      'master/valid_status_updates',
      'master/invalid_status_updates',
      'master/messages_launch_tasks',
      'allocator/mesos/allocation_runs',
    );
    assert.deepEqual(Object.keys(set.counters).sort(), counters.sort());
    for (const g of [
      'master/tasks_running',
      'master/tasks_staging',
      'master/elected',
      'master/uptime_secs',
      'master/cpus_total',
      'system/load_1min',
    ]) {
      assert.equal(typeof set.gauges[g], 'number', g);
    }
    assert.ok(set.timers.some((t) => t.name === 'allocator/mesos/allocation_run_ms'));
    assert.deepEqual(masterMetrics(master)['master/tasks_running'], set.gauges['master/tasks_running']);
    for (const name of [...Object.keys(set.counters), ...Object.keys(set.gauges), ...set.timers.map((t) => t.name)]) {
      assert.notEqual(metricHelp(name), undefined, `${name} has a # HELP description`);
    }
  });

  test("a task's history keeps what /master/state shows of each update, once per state", async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [taskInfo('t1', agent.id)]);
    const running = {
      ...agentStatus('t1', 'TASK_RUNNING'),
      message: 'started',
      healthy: true,
      labels: { labels: [{ key: 'k', value: 'v' }] },
    };
    master.statusUpdate(agent, fw.id, running);
    // The agent retries it (same state, its own uuid again or a new one): no new entry.
    master.statusUpdate(agent, fw.id, running);
    master.statusUpdate(agent, fw.id, agentStatus('t1', 'TASK_RUNNING'));
    const finished = agentStatus('t1', 'TASK_FINISHED');
    master.statusUpdate(agent, fw.id, finished);
    master.acknowledge(fw, agent.id, 't1', finished.uuid!);
    // A completed task holds these for as long as the master keeps it: no ids, uuids or messages.
    assert.deepEqual(fw.completedTasks[0]!.statuses, [
      { state: 'TASK_RUNNING', timestamp: running.timestamp, healthy: true, labels: { labels: [{ key: 'k', value: 'v' }] } },
      { state: 'TASK_FINISHED', timestamp: finished.timestamp },
    ]);
  });

  test('LATEST_STATE ignores non-terminal states, unknown tasks and other agents', async () => {
    const { master, fw, agent } = await clusterWithRunningTask();
    const other = register(master, { hostname: 'other.example.com', pid: 'slave(1)@10.0.0.3:5051' }).agent;
    master.latestState(agent, fw.id, 't1', 'TASK_RUNNING');
    master.latestState(agent, fw.id, 'nope', 'TASK_FAILED');
    master.latestState(other, fw.id, 't1', 'TASK_FAILED');
    assert.equal(fw.tasks.get('t1')!.state, 'TASK_RUNNING');
    assert.equal(master.terminalCount('TASK_FAILED'), 0);
  });
});

describe('Master core: DECLINE, REVIVE and invalid launches', () => {
  test('a declined agent is not re-offered until REVIVE', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    assert.equal(call(master, fw, 'DECLINE', { decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } }), 202);
    assert.equal(master.offers.size, 0);
    await allocation();
    await allocation();
    assert.equal(sink.offers().length, 1, 'filtered for refuse_seconds');
    assert.equal(call(master, fw, 'REVIVE'), 202);
    await allocation();
    assert.equal(sink.offers().length, 2);
    assert.equal(sink.offers()[1]!.agent_id.value, agent.id);
  });

  test('a declined agent goes to another framework', async () => {
    const master = newMaster();
    const a = subscribe(master);
    const { agent } = register(master);
    await allocation();
    const b = subscribe(master);
    await allocation();
    assert.equal(a.sink.offers().length, 1);
    assert.equal(b.sink.offers().length, 0);
    call(master, a.fw, 'DECLINE', {
      decline: { offer_ids: [currentOffer(master, a.sink, agent.id).id], filters: { refuse_seconds: 3600 } },
    });
    await allocation();
    assert.equal(b.sink.offers().length, 1);
    assert.equal(a.sink.offers().length, 1);
  });

  test('a launch on an unknown offer is TASK_DROPPED for a partition-aware framework', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent, link } = register(master);
    await allocation();
    launch(master, fw, ['no-such-offer'], [taskInfo('t1', agent.id)]);
    const updates = sink.updates();
    assert.equal(updates.length, 1);
    assert.equal(updates[0]!.state, 'TASK_DROPPED');
    assert.equal(updates[0]!.reason, 'REASON_INVALID_OFFERS');
    assert.equal(updates[0]!.source, 'SOURCE_MASTER');
    assert.equal(updates[0]!.uuid, undefined, 'master-generated updates are not acknowledged');
    assert.equal(link.ofType('RUN_TASK').length, 0);
    assert.equal(fw.tasks.size, 0);
  });

  test('a launch on an unknown offer is TASK_LOST for a framework that is not partition aware', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master, frameworkInfo({}, false));
    const { agent } = register(master);
    await allocation();
    launch(master, fw, ['no-such-offer'], [taskInfo('t1', agent.id)]);
    assert.deepEqual(
      sink.updates().map((u) => [u.state, u.reason]),
      [['TASK_LOST', 'REASON_INVALID_OFFERS']],
    );
  });

  test('a launch naming a valid and an invalid offer drops the task and returns the valid offer', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent, link } = register(master);
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    launch(master, fw, [offer.id.value, 'bogus'], [taskInfo('t1', agent.id)]);
    assert.equal(sink.updates()[0]!.state, 'TASK_DROPPED');
    assert.equal(link.ofType('RUN_TASK').length, 0);
    assert.equal(master.offers.has(offer.id.value), false);
    await allocation();
    assert.equal(sink.offers().length, 2, 'the resources of the valid offer are offered again');
  });

  test('the same offer cannot be used twice', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent, link } = register(master);
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    launch(master, fw, [offer.id.value], [taskInfo('t1', agent.id)]);
    launch(master, fw, [offer.id.value], [taskInfo('t2', agent.id)]);
    assert.equal(link.ofType('RUN_TASK').length, 1);
    assert.deepEqual(
      sink.updates().map((u) => [u.task_id.value, u.state]),
      [['t2', 'TASK_DROPPED']],
    );
  });

  test('an invalid task is TASK_ERROR and never reaches the agent; valid tasks of the same ACCEPT launch', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent, link } = register(master);
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    launch(master, fw, [offer.id.value], [taskInfo('big', agent.id, 'cpus:3'), taskInfo('ok', agent.id), taskInfo('ok', agent.id)]);
    const updates = sink.updates();
    assert.deepEqual(
      updates.map((u) => [u.task_id.value, u.state, u.reason]),
      [
        ['big', 'TASK_ERROR', 'REASON_TASK_INVALID'],
        ['ok', 'TASK_ERROR', 'REASON_TASK_INVALID'],
      ],
    );
    assert.match(updates[0]!.message!, /more resources/);
    assert.match(updates[1]!.message!, /duplicate ID/);
    assert.deepEqual(
      link.ofType('RUN_TASK').map((m) => m.run_task.task.task_id.value),
      ['ok'],
    );
    assert.deepEqual([...fw.tasks.keys()], ['ok']);
  });

  test('tasks of one ACCEPT share the offer: the second one that does not fit is TASK_ERROR', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent, link } = register(master);
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    launch(master, fw, [offer.id.value], [taskInfo('a', agent.id, 'cpus:1.5'), taskInfo('b', agent.id, 'cpus:1')]);
    assert.equal(link.ofType('RUN_TASK').length, 1);
    assert.deepEqual(
      sink.updates().map((u) => [u.task_id.value, u.state]),
      [['b', 'TASK_ERROR']],
    );
  });
});

describe('Master core: KILL and reconciliation', () => {
  test('KILL of a known task sends KILL_TASK to its agent', async () => {
    const { master, fw, agent, link } = await clusterWithRunningTask();
    call(master, fw, 'KILL', { kill: { task_id: { value: 't1' }, agent_id: { value: agent.id } } });
    assert.deepEqual(
      link.ofType('KILL_TASK').map((m) => m.kill_task),
      [{ framework_id: fw.id, task_id: 't1' }],
    );
  });

  test('KILL of an unknown task answers by reconciliation', async () => {
    const { master, fw, sink, agent, link } = await clusterWithRunningTask();
    const before = sink.updates().length;
    call(master, fw, 'KILL', { kill: { task_id: { value: 'ghost' } } });
    call(master, fw, 'KILL', { kill: { task_id: { value: 'ghost2' }, agent_id: { value: agent.id } } });
    const answers = sink.updates().slice(before);
    assert.deepEqual(
      answers.map((u) => [u.task_id.value, u.state, u.reason]),
      [
        ['ghost', 'TASK_UNKNOWN', 'REASON_RECONCILIATION'],
        ['ghost2', 'TASK_GONE', 'REASON_RECONCILIATION'],
      ],
    );
    assert.equal(link.ofType('KILL_TASK').length, 0);
  });

  test('explicit reconciliation: known, unknown on a live agent, on an unreachable agent, nowhere', async () => {
    const { master, fw, sink, agent } = await clusterWithRunningTask();
    const other = register(master, { pid: 'slave(1)@10.0.0.3:5051', hostname: 'agent2.test' });
    master.removeAgent(other.agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
    const before = sink.updates().length;
    call(master, fw, 'RECONCILE', {
      reconcile: {
        tasks: [
          { task_id: { value: 't1' } },
          { task_id: { value: 'x' }, agent_id: { value: agent.id } },
          { task_id: { value: 'y' }, agent_id: { value: other.agent.id } },
          { task_id: { value: 'z' }, agent_id: { value: 'never-seen' } },
          { task_id: { value: 'w' } },
        ],
      },
    });
    const answers = sink.updates().slice(before);
    assert.deepEqual(
      answers.map((u) => [u.task_id.value, u.state, u.reason, u.agent_id?.value]),
      [
        ['t1', 'TASK_RUNNING', 'REASON_RECONCILIATION', agent.id],
        ['x', 'TASK_GONE', 'REASON_RECONCILIATION', agent.id],
        ['y', 'TASK_UNREACHABLE', 'REASON_RECONCILIATION', other.agent.id],
        ['z', 'TASK_UNKNOWN', 'REASON_RECONCILIATION', 'never-seen'],
        ['w', 'TASK_UNKNOWN', 'REASON_RECONCILIATION', undefined],
      ],
    );
    for (const u of answers) {
      assert.equal(u.source, 'SOURCE_MASTER');
      assert.equal(u.uuid, undefined);
    }
  });

  test('explicit reconciliation maps the newer states to TASK_LOST for a framework that is not partition aware', async () => {
    const { master, fw, sink, agent } = await clusterWithRunningTask(frameworkInfo({}, false));
    const before = sink.updates().length;
    master.reconcile(fw, [{ taskId: 'x', agentId: agent.id }, { taskId: 'w' }, { taskId: 't1' }]);
    assert.deepEqual(
      sink
        .updates()
        .slice(before)
        .map((u) => [u.task_id.value, u.state]),
      [
        ['x', 'TASK_LOST'],
        ['w', 'TASK_LOST'],
        ['t1', 'TASK_RUNNING'],
      ],
    );
  });

  test('implicit reconciliation reports every active task; an unreachable one is answered from its agent when asked', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const a1 = register(master);
    const a2 = register(master, { pid: 'slave(1)@10.0.0.3:5051', hostname: 'agent2.test' });
    await allocation();
    launch(master, fw, [currentOffer(master, sink, a1.agent.id).id.value], [taskInfo('on-a1', a1.agent.id)]);
    launch(master, fw, [currentOffer(master, sink, a2.agent.id).id.value], [taskInfo('on-a2', a2.agent.id), taskInfo('done', a2.agent.id)]);
    const done = agentStatus('done', 'TASK_FINISHED');
    master.statusUpdate(a2.agent, fw.id, done);
    master.acknowledge(fw, a2.agent.id, 'done', done.uuid!);
    master.removeAgent(a1.agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
    const before = sink.updates().length;
    assert.equal(call(master, fw, 'RECONCILE', { reconcile: { tasks: [] } }), 202);
    const answers = sink.updates().slice(before);
    // Mesos moves an unreachable agent's tasks out of the framework's tasks (Framework::removeTask).
    assert.deepEqual(
      answers.map((u) => [u.task_id.value, u.state]),
      [['on-a2', 'TASK_STAGING']],
    );
    assert.equal(answers[0]!.reason, 'REASON_RECONCILIATION');
    assert.equal(answers[0]!.message, 'Reconciliation: Latest task state');
    call(master, fw, 'RECONCILE', { reconcile: { tasks: [{ task_id: { value: 'on-a1' }, agent_id: { value: a1.agent.id } }] } });
    const unreachable = sink.updates().at(-1)!;
    assert.deepEqual(
      [unreachable.task_id.value, unreachable.state, unreachable.message],
      ['on-a1', 'TASK_UNREACHABLE', 'Reconciliation: Task is unreachable'],
    );
    assert.equal(unreachable.unreachable_time?.nanoseconds, master.unreachableAgents.get(a1.agent.id)!.time * 1e6);
  });
});

describe('Master core: framework removal', () => {
  test('a disconnect with failover_timeout 0 removes the framework: tasks KILLED, agents told', async () => {
    const { master, fw, sink, streamId, agent, link } = await clusterWithRunningTask(frameworkInfo({ failover_timeout: 0 }));
    master.frameworkDisconnected(fw.id, streamId);
    assert.equal(master.frameworks.has(fw.id), false);
    assert.equal(master.completedFrameworks.at(-1), fw);
    assert.equal(fw.connected, false);
    assert.equal(fw.tasks.size, 0);
    assert.deepEqual(
      fw.completedTasks.map((t) => [t.info.task_id.value, t.state]),
      [['t1', 'TASK_KILLED']],
    );
    assert.equal(fw.completedTasks[0]!.statuses.at(-1)!.state, 'TASK_KILLED');
    assert.equal(agent.tasks.size, 0);
    assert.deepEqual(
      link.ofType('SHUTDOWN_FRAMEWORK').map((m) => m.shutdown_framework),
      [{ framework_id: fw.id }],
    );
    assert.equal(master.terminalCount('TASK_KILLED'), 1);
    assert.equal(
      sink.ofType('UPDATE').filter((e) => (e.update as { status: TaskStatus }).status.state === 'TASK_KILLED').length,
      0,
      'the stream is gone',
    );
    assert.equal(master.subscribeRefusal(frameworkInfo({ id: { value: fw.id } })), 'Framework has been removed');
  });

  test('a disconnect with a failover timeout keeps the framework, inactive, until it re-subscribes', async () => {
    const { master, fw, streamId, link } = await clusterWithRunningTask();
    master.frameworkDisconnected(fw.id, streamId);
    assert.ok(master.frameworks.has(fw.id));
    assert.equal(fw.connected, false);
    assert.equal(fw.active, false);
    assert.ok(fw.failoverTimer);
    assert.ok(fw.tasks.has('t1'));
    assert.equal(link.ofType('SHUTDOWN_FRAMEWORK').length, 0);
    const again = subscribe(master, frameworkInfo({ id: { value: fw.id } }));
    assert.equal(again.fw, fw);
    assert.equal(fw.failoverTimer, undefined);
    assert.equal(fw.connected, true);
  });

  test('a disconnect of a stale stream is ignored', async () => {
    const { master, fw } = await clusterWithRunningTask(frameworkInfo({ failover_timeout: 0 }));
    master.frameworkDisconnected(fw.id, 'some-old-stream');
    assert.ok(master.frameworks.has(fw.id));
    assert.equal(fw.connected, true);
  });

  test('a disconnect rescinds the outstanding offers', async () => {
    const master = newMaster();
    const { fw, streamId } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    assert.equal(fw.offers.size, 1);
    master.frameworkDisconnected(fw.id, streamId);
    assert.equal(fw.offers.size, 0);
    assert.equal(master.offers.size, 0);
    assert.equal(agent.offers.size, 0);
  });

  test('a master that stops removes nothing: the disconnections its own closing causes are not failovers', async () => {
    const { master, fw, streamId, agent, link } = await clusterWithRunningTask(frameworkInfo({ failover_timeout: 0 }));
    master.stop();
    master.frameworkDisconnected(fw.id, streamId);
    master.agentDisconnected(agent.id, agent.streamId!);
    assert.ok(master.frameworks.has(fw.id), 'the framework is kept');
    assert.ok(master.registry.state.frameworks.has(fw.id), 'and so is its registry entry');
    assert.equal(master.completedFrameworks.length, 0);
    assert.ok(fw.tasks.has('t1'));
    assert.equal(link.ofType('SHUTDOWN_FRAMEWORK').length, 0);
    assert.equal(agent.active, true);
  });

  test('removal tells every agent, also one that runs only an executor of the framework', async () => {
    const { master, fw, link } = await clusterWithRunningTask();
    const other = register(master, { hostname: 'agent2.test', pid: 'slave(1)@10.0.0.3:5051' });
    call(master, fw, 'TEARDOWN');
    for (const l of [link, other.link])
      assert.deepEqual(
        l.ofType('SHUTDOWN_FRAMEWORK').map((m) => m.shutdown_framework),
        [{ framework_id: fw.id }],
      );
    assert.equal(fw.completedTasks[0]!.statuses.at(-1)!.state, 'TASK_KILLED');
  });

  test('an agent re-registering with only an executor of a removed framework is told to shut it down', async () => {
    const master = newMaster();
    const { fw } = subscribe(master);
    call(master, fw, 'TEARDOWN');
    const executor: ExecutorInfo = {
      executor_id: { value: 'ex1' },
      type: 'CUSTOM',
      command: { value: './executor' },
      resources: parseResources('cpus:0.1;mem:32'),
    };
    const { link } = register(master, {
      agent_id: 'back-S0',
      frameworks: [fw.info],
      executors: [{ framework_id: fw.id, executor, kind: 'CUSTOM' }],
    });
    assert.deepEqual(
      link.ofType('SHUTDOWN_FRAMEWORK').map((m) => m.shutdown_framework),
      [{ framework_id: fw.id }],
    );
    assert.equal(master.frameworks.has(fw.id), false, 'the framework is not recovered');
  });

  test('TEARDOWN removes the framework', async () => {
    const { master, fw, sink, link } = await clusterWithRunningTask();
    assert.equal(call(master, fw, 'TEARDOWN'), 202);
    assert.equal(master.frameworks.has(fw.id), false);
    assert.equal(sink.closed, true);
    assert.equal(link.ofType('SHUTDOWN_FRAMEWORK').length, 1);
  });
});

describe('Master core: executors of re-registering agents', () => {
  function customExecutor(id: string, resources: string): ExecutorInfo {
    return { executor_id: { value: id }, type: 'CUSTOM', command: { value: './executor' }, resources: parseResources(resources) };
  }

  test('after a master restart, executors the agent reports are charged with their tasks', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master, {
      agent_id: 'restarted-S0',
      tasks: [{ framework_id: fw.id, executor_id: 'ex1', task: taskInfo('t1', 'restarted-S0', 'cpus:0.5;mem:128'), state: 'TASK_RUNNING' }],
      executors: [{ framework_id: fw.id, executor: customExecutor('ex1', 'cpus:0.5;mem:256'), kind: 'CUSTOM' }],
    });
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    assert.equal(scalar(offer.resources!, 'cpus'), 1, '2 cpus less the task and its executor');
    assert.equal(scalar(offer.resources!, 'mem'), 640);
    assert.deepEqual([...master.executorRecord(agent.id, fw.id, 'ex1')!.taskIds], ['t1']);
  });

  test('an executor that ended while its agent was away is forgotten and its resources offered', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const reg = {
      agent_id: 'away-S0',
      tasks: [
        { framework_id: fw.id, executor_id: 'ex1', task: taskInfo('t1', 'away-S0', 'cpus:0.5;mem:128'), state: 'TASK_RUNNING' as const },
      ],
      executors: [{ framework_id: fw.id, executor: customExecutor('ex1', 'cpus:0.5;mem:256'), kind: 'CUSTOM' as const }],
    };
    const { agent } = register(master, reg);
    await allocation();
    assert.equal(scalar(currentOffer(master, sink, agent.id).resources!, 'cpus'), 1);
    // The agent comes back on a new stream with the task finished and the executor gone.
    register(master, { ...reg, tasks: [{ ...reg.tasks[0]!, state: 'TASK_FINISHED' }], executors: [] });
    await allocation();
    assert.equal(master.executorRecord(agent.id, fw.id, 'ex1'), undefined);
    assert.equal(scalar(currentOffer(master, sink, agent.id).resources!, 'cpus'), 2, 'the whole agent');
  });
});

describe('Master core: agents lost and coming back', () => {
  /** Two frameworks, one partition aware, each with a running task on the same agent. */
  async function twoFrameworksOnOneAgent() {
    const master = newMaster();
    const aware = subscribe(master, frameworkInfo({ name: 'aware' }, true));
    const legacy = subscribe(master, frameworkInfo({ name: 'legacy' }, false));
    const { agent, link } = register(master);
    await allocation();
    // Whoever got the agent launches, then the rest goes to the other framework.
    const first = aware.sink.offers().length > 0 ? aware : legacy;
    const second = first === aware ? legacy : aware;
    launch(
      master,
      first.fw,
      [currentOffer(master, first.sink, agent.id).id.value],
      [taskInfo(`${first.fw.info.name}-task`, agent.id)],
      3600,
    );
    await allocation();
    launch(
      master,
      second.fw,
      [currentOffer(master, second.sink, agent.id).id.value],
      [taskInfo(`${second.fw.info.name}-task`, agent.id)],
      3600,
    );
    for (const f of [aware, legacy]) {
      const s = agentStatus(`${f.fw.info.name}-task`, 'TASK_RUNNING');
      master.statusUpdate(agent, f.fw.id, s);
      master.acknowledge(f.fw, agent.id, `${f.fw.info.name}-task`, s.uuid!);
    }
    assert.equal(agent.tasks.size, 2);
    return { master, aware, legacy, agent, link };
  }

  test('removeAgent with TASK_UNREACHABLE: partition-aware frameworks see UNREACHABLE, others LOST', async () => {
    const { master, aware, legacy, agent, link } = await twoFrameworksOnOneAgent();
    master.removeAgent(agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'Agent did not answer pings');

    const awareUpdate = aware.sink.updates().at(-1)!;
    assert.equal(awareUpdate.task_id.value, 'aware-task');
    assert.equal(awareUpdate.state, 'TASK_UNREACHABLE');
    assert.equal(awareUpdate.reason, 'REASON_AGENT_REMOVED');
    assert.ok(awareUpdate.unreachable_time && awareUpdate.unreachable_time.nanoseconds > 0);
    assert.equal(aware.fw.tasks.has('aware-task'), false);
    assert.equal(aware.fw.unreachableTasks.get('aware-task')?.state, 'TASK_UNREACHABLE');
    assert.equal(aware.fw.completedTasks.length, 0);

    const legacyUpdate = legacy.sink.updates().at(-1)!;
    assert.equal(legacyUpdate.task_id.value, 'legacy-task');
    assert.equal(legacyUpdate.state, 'TASK_LOST');
    assert.equal(legacy.fw.tasks.has('legacy-task'), false);
    assert.equal(legacy.fw.unreachableTasks.size, 0);
    assert.deepEqual(
      legacy.fw.completedTasks.map((t) => [t.info.task_id.value, t.state]),
      [['legacy-task', 'TASK_LOST']],
    );

    for (const f of [aware, legacy]) {
      assert.deepEqual(
        f.sink.ofType('FAILURE').map((e) => e.failure),
        [{ agent_id: { value: agent.id } }],
      );
    }
    assert.equal(master.agents.has(agent.id), false);
    assert.ok(master.unreachableAgents.has(agent.id));
    assert.equal(link.ofType('SHUTDOWN').length, 1);
    assert.equal(link.closed, true);
    assert.equal(master.activeTaskCounts().get('unreachable'), 1);
  });

  test('removeAgent rescinds the outstanding offers of the agent', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    master.removeAgent(agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
    assert.deepEqual(
      sink.ofType('RESCIND').map((e) => e.rescind),
      [{ offer_id: offer.id }],
    );
    assert.equal(fw.offers.size, 0);
    assert.equal(master.offers.size, 0);
  });

  test('an unreachable agent coming back returns the unreachable task to a partition-aware framework', async () => {
    const { master, aware, legacy, agent } = await twoFrameworksOnOneAgent();
    const reported: ReportedTask[] = [aware, legacy].map((f) => ({
      framework_id: f.fw.id,
      executor_id: '',
      task: taskInfo(`${f.fw.info.name}-task`, agent.id),
      state: 'TASK_RUNNING',
    }));
    master.removeAgent(agent, 'TASK_UNREACHABLE', 'REASON_AGENT_REMOVED', 'test');
    const back = register(master, { agent_id: agent.id, tasks: reported });
    assert.equal(back.link.ofType('REGISTERED')[0]!.registered.reregistered, true);
    assert.equal(master.unreachableAgents.has(agent.id), false);
    assert.equal(aware.fw.unreachableTasks.size, 0);
    assert.equal(aware.fw.tasks.get('aware-task')?.state, 'TASK_RUNNING');
    assert.equal(legacy.fw.tasks.has('legacy-task'), false, 'a task the scheduler was told is LOST is not adopted');
    assert.deepEqual(
      back.link.ofType('KILL_TASK').map((m) => m.kill_task),
      [{ framework_id: legacy.fw.id, task_id: 'legacy-task' }],
    );
  });

  test('an agent re-registering with its id keeps reported tasks; unreported ones become TASK_GONE', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const first = register(master);
    await allocation();
    launch(
      master,
      fw,
      [currentOffer(master, sink, first.agent.id).id.value],
      [taskInfo('kept', first.agent.id), taskInfo('lost', first.agent.id)],
    );
    for (const id of ['kept', 'lost']) master.statusUpdate(first.agent, fw.id, agentStatus(id, 'TASK_RUNNING'));

    const again = register(master, {
      agent_id: first.agent.id,
      tasks: [{ framework_id: fw.id, executor_id: '', task: taskInfo('kept', first.agent.id), state: 'TASK_RUNNING' }],
    });
    assert.equal(again.agent, first.agent, 'the same agent record');
    assert.equal(first.link.closed, true, 'the old stream is closed');
    assert.equal(again.link.ofType('REGISTERED')[0]!.registered.reregistered, true);
    assert.equal(again.link.ofType('REGISTERED')[0]!.registered.agent_id, first.agent.id);
    assert.equal(master.agents.size, 1);
    assert.equal(fw.tasks.get('kept')?.state, 'TASK_RUNNING');
    assert.ok(first.agent.tasks.has(`${fw.id}/kept`));
    assert.equal(fw.tasks.has('lost'), false);
    assert.equal(first.agent.tasks.has(`${fw.id}/lost`), false);
    const gone = sink.updates().find((u) => u.task_id.value === 'lost' && u.state === 'TASK_GONE');
    assert.ok(gone, 'the framework hears TASK_GONE');
    assert.equal(gone.reason, 'REASON_AGENT_RESTARTED');
    assert.deepEqual(
      fw.completedTasks.map((t) => [t.info.task_id.value, t.state]),
      [['lost', 'TASK_GONE']],
    );
  });

  test('an agent re-registering while its offer is outstanding does not get offered twice', async () => {
    const master = newMaster(FAST_TICKS);
    const { fw, sink } = subscribe(master);
    const first = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, first.agent.id).id.value], [taskInfo('kept', first.agent.id, 'cpus:1;mem:128')], 0);
    await periodicAllocation();
    assert.equal(master.offers.size, 1, 'the rest of the agent is on offer');
    register(master, {
      agent_id: first.agent.id,
      tasks: [{ framework_id: fw.id, executor_id: '', task: taskInfo('kept', first.agent.id, 'cpus:1;mem:128'), state: 'TASK_STAGING' }],
    });
    await allocation();
    let offered = 0;
    for (const rec of master.offers.values()) offered += scalar(rec.resources, 'cpus');
    const used = scalar(fw.tasks.get('kept')!.resources, 'cpus');
    assert.ok(offered + used <= 2, `offers (${offered} cpus) and tasks (${used} cpus) fit in the agent's 2 cpus`);
    assert.ok(contains(first.agent.resources, master.idleResources(first.agent)));
  });

  test('a new registration from the same pid without an id replaces the old agent', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const old = register(master);
    await allocation();
    launch(master, fw, [currentOffer(master, sink, old.agent.id).id.value], [taskInfo('t1', old.agent.id)]);

    const fresh = register(master);
    assert.notEqual(fresh.agent.id, old.agent.id);
    assert.equal(master.agents.size, 1);
    assert.ok(master.agents.has(fresh.agent.id));
    assert.equal(master.unreachableAgents.has(old.agent.id), false, 'a restarted agent is gone, not unreachable');
    assert.equal(old.link.ofType('SHUTDOWN').length, 1);
    assert.equal(old.link.closed, true);
    assert.equal(fresh.link.ofType('REGISTERED')[0]!.registered.reregistered, false);
    const gone = sink.updates().find((u) => u.task_id.value === 't1');
    assert.equal(gone?.state, 'TASK_GONE');
    assert.equal(gone?.reason, 'REASON_AGENT_RESTARTED');
    assert.equal(fw.tasks.size, 0);
    await allocation();
    assert.equal(sink.offers().at(-1)!.agent_id.value, fresh.agent.id);
  });

  test('a registration from another pid without an id is a second agent', () => {
    const master = newMaster();
    register(master);
    register(master, { pid: 'slave(1)@10.0.0.3:5051', hostname: 'agent2.test' });
    assert.equal(master.agents.size, 2);
  });

  test('an agent whose stream breaks is not offered until it re-registers', async () => {
    const master = newMaster();
    const { sink } = subscribe(master);
    const link = new Link();
    const agent = master.agents.get(master.registerAgent(registration(), link, 'agent-stream-x'))!;
    await allocation();
    const offer = currentOffer(master, sink, agent.id);
    master.agentDisconnected(agent.id, 'agent-stream-x');
    assert.equal(agent.active, false);
    assert.deepEqual(
      sink.ofType('RESCIND').map((e) => e.rescind),
      [{ offer_id: offer.id }],
    );
    await allocation();
    assert.equal(sink.offers().length, 1);
    register(master, { agent_id: agent.id });
    assert.equal(agent.active, true);
    await allocation();
    assert.equal(sink.offers().length, 2);
  });
});

test('an executor is charged once for all its tasks and its resources return when it exits', async () => {
  const master = newMaster(FAST_TICKS);
  const { fw, sink } = subscribe(master);
  const { agent } = register(master);
  await allocation();
  const withExecutor = (id: string): TaskInfo => ({
    ...taskInfo(id, agent.id, 'cpus:0.5;mem:128'),
    command: undefined,
    executor: { executor_id: { value: 'exec-1' }, command: { value: './executor' }, resources: parseResources('cpus:0.5;mem:64') },
  });
  launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [withExecutor('e1')], 0);
  await periodicAllocation();
  // 2 cpus - 0.5 (task) - 0.5 (executor) = 1 cpu offered again.
  assert.equal(scalar(currentOffer(master, sink, agent.id).resources!, 'cpus'), 1);
  launch(master, fw, [currentOffer(master, sink, agent.id).id.value], [withExecutor('e2')], 0);
  await periodicAllocation();
  assert.equal(scalar(currentOffer(master, sink, agent.id).resources!, 'cpus'), 0.5, 'the running executor is not charged again');
  master.executorExited(agent, fw.id, 'exec-1', 0);
  await allocation();
  const total = sink
    .offers()
    .filter((o) => master.offers.has(o.id.value))
    .reduce((sum, o) => sum + scalar(o.resources!, 'cpus'), 0);
  assert.equal(total, 1, "the executor's 0.5 cpu came back beside the 0.5 still on offer");
});

describe('Master core: pings', () => {
  test('agents are spread over the ping slots by id, each always in the same one', () => {
    const counts = new Array<number>(PING_SLOTS).fill(0);
    for (let i = 0; i < 1600; i++) counts[pingSlot(`2f8f3c0e-1b5d-4c2a-9a57-60a0c1d2e3f4-S${i}`)]!++;
    assert.ok(Math.min(...counts) >= 50 && Math.max(...counts) <= 150, counts.join(' '));
    assert.equal(pingSlot('abc-S1'), pingSlot('abc-S1'));
  });

  test('a slot pings only its agents; every agent is pinged once over all the slots', async () => {
    const master = newMaster();
    const links = Array.from({ length: 40 }, (_, i) => register(master, { pid: `slave(1)@10.0.1.${i}:5051` }));
    const book = master.agentBook;
    book.pingAgents(pingSlot(links[0]!.agent.id));
    const pinged = links.filter((l) => l.link.ofType('PING').length === 1);
    assert.ok(pinged.length >= 1 && pinged.length < 40, `${pinged.length} pinged`);
    assert.ok(pinged.every((l) => pingSlot(l.agent.id) === pingSlot(links[0]!.agent.id)));
    for (let slot = 0; slot < PING_SLOTS; slot++) if (slot !== pingSlot(links[0]!.agent.id)) book.pingAgents(slot);
    assert.ok(links.every((l) => l.link.ofType('PING').length === 1));
  });
});

describe('Master core: /master/state text', () => {
  test('used resources of agents and frameworks follow launches, terminal updates, acknowledgements and agent removal', async () => {
    const master = newMaster();
    const { fw, sink } = subscribe(master);
    const { agent } = register(master);
    await allocation();
    const offerId = currentOffer(master, sink, agent.id).id.value;
    const ctx = { master, flags: {}, buildTime: 0 };
    type Used = { used_resources: { cpus: number; mem: number } };
    const used = () => {
      const doc = JSON.parse(jsonText(stateJson(ctx))) as { slaves: (Used & { id: string })[]; frameworks: (Used & { id: string })[] };
      const a = doc.slaves.find((s) => s.id === agent.id)?.used_resources;
      const f = doc.frameworks.find((x) => x.id === fw.id)!.used_resources;
      return { agent: a && [a.cpus, a.mem], framework: [f.cpus, f.mem] };
    };
    assert.deepEqual(used(), { agent: [0, 0], framework: [0, 0] });
    launch(master, fw, [offerId], [taskInfo('t1', agent.id), taskInfo('t2', agent.id, 'cpus:1;mem:256')]);
    assert.deepEqual(used(), { agent: [1.5, 384], framework: [1.5, 384] }, 'a launch adds');
    assert.deepEqual(used(), { agent: [1.5, 384], framework: [1.5, 384] }, 'asked again, unchanged');
    const finished = agentStatus('t1', 'TASK_FINISHED');
    master.statusUpdate(agent, fw.id, finished);
    assert.ok(fw.tasks.has('t1'), 'not acknowledged yet, so still among the active tasks');
    assert.deepEqual(used(), { agent: [1, 256], framework: [1, 256] }, 'a terminal update gives the resources back');
    master.acknowledge(fw, agent.id, 't1', finished.uuid!);
    assert.ok(!fw.tasks.has('t1'));
    assert.deepEqual(used(), { agent: [1, 256], framework: [1, 256] });
    master.removeAgent(agent, 'TASK_LOST', 'REASON_AGENT_REMOVED', 'test');
    assert.deepEqual(used(), { agent: undefined, framework: [0, 0] }, 'the removed agent took its task along');
  });

  test('a task serialized once is serialized again when it changes', async () => {
    const { master, fw, agent } = await clusterWithRunningTask();
    const ctx = { master, flags: {}, buildTime: 0 };
    const tasksOf = () =>
      (
        JSON.parse(jsonText(stateJson(ctx))) as {
          frameworks: { id: string; tasks: { id: string; state: string; statuses: unknown[] }[] }[];
        }
      ).frameworks.find((f) => f.id === fw.id)!.tasks;
    assert.deepEqual(
      tasksOf().map((t) => [t.id, t.state, t.statuses.length]),
      [['t1', 'TASK_RUNNING', 1]],
    );
    assert.deepEqual(
      tasksOf().map((t) => [t.id, t.state]),
      [['t1', 'TASK_RUNNING']],
      'from the cache, the same',
    );
    master.statusUpdate(agent, fw.id, agentStatus('t1', 'TASK_FINISHED'));
    assert.deepEqual(
      tasksOf().map((t) => [t.id, t.state, t.statuses.length]),
      [['t1', 'TASK_FINISHED', 2]],
    );
  });

  test("an agent's fields serialized once are serialized again when it goes inactive or re-registers", () => {
    const master = newMaster();
    const { agent } = register(master, {
      hostname: 'first.example.com',
      attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }],
    });
    const ctx = { master, flags: {}, buildTime: 0 };
    type Slave = {
      id: string;
      hostname: string;
      active: boolean;
      deactivated: boolean;
      reregistered_time?: number;
      attributes: Record<string, string>;
      resources: { cpus: number };
    };
    const slave = () => (JSON.parse(jsonText(stateJson(ctx))) as { slaves: Slave[] }).slaves.find((s) => s.id === agent.id)!;
    const pick = (s: Slave) => [s.hostname, s.active, s.deactivated, s.reregistered_time, s.attributes.rack, s.resources.cpus];
    assert.deepEqual(pick(slave()), [
      'first.example.com',
      true,
      false,
      undefined,
      'r1',
      agent.resources.find((r) => r.name === 'cpus')?.scalar?.value,
    ]);
    agent.active = false;
    // Disconnected: inactive, but not deactivated, which in Mesos is an operator's doing.
    assert.deepEqual(pick(slave()).slice(1, 3), [false, false], 'inactive');
    agent.active = true;
    agent.reregisteredTime = 5000;
    assert.deepEqual(pick(slave()).slice(0, 4), ['first.example.com', true, false, 5], 're-registered');
    agent.hostname = 'second.example.com';
    assert.equal(slave().hostname, 'second.example.com', 're-registered from another host in the same millisecond');
    const cached = jsonText(stateJson(ctx));
    forgetStateJson();
    assert.equal(cached, jsonText(stateJson(ctx)), 'the same document as a cold call');
  });
});

describe('Master core: read-only endpoints as Mesos writes them (readonly_handler.cpp)', () => {
  type Json = Record<string, unknown>;
  const doc = (value: unknown) => JSON.parse(jsonText(value)) as Json;

  test('frameworks: no pid (HTTP frameworks), role or roles by MULTI_ROLE, resources = used + offered, offer_constraints', async () => {
    const master = newMaster();
    const single = subscribe(master, frameworkInfo({ name: 'single', role: 'web', principal: 'ops' }));
    const multi = subscribe(master, frameworkInfo({ name: 'multi', roles: ['a', 'b'], capabilities: [{ type: 'MULTI_ROLE' }] }));
    const { agent } = register(master);
    await allocation();
    const ctx = { master, flags: {}, buildTime: 0 };
    const held = [single, multi].find((f) => f.fw.offers.size > 0)!;
    const offer = currentOffer(master, held.sink, agent.id);
    launch(master, held.fw, [offer.id.value], [taskInfo('t1', agent.id, 'cpus:0.5;mem:128')]);
    await allocation();
    const frameworks = (doc(frameworksJson(ctx)).frameworks as Json[]).sort((x, y) => String(x.name).localeCompare(String(y.name)));
    const [m, s] = frameworks as [Json, Json];
    assert.equal('pid' in s || 'pid' in m, false);
    assert.equal(s.role, 'web');
    assert.equal('roles' in s, false);
    assert.deepEqual(m.roles, ['a', 'b']);
    assert.equal('role' in m, false);
    assert.equal(s.principal, 'ops');
    assert.deepEqual(s.offer_constraints, {});
    for (const f of frameworks) {
      const used = f.used_resources as { cpus: number; mem: number };
      const offered = f.offered_resources as { cpus: number; mem: number };
      const total = f.resources as { cpus: number; mem: number };
      assert.equal(total.cpus, used.cpus + offered.cpus, String(f.name));
      assert.equal(total.mem, used.mem + offered.mem, String(f.name));
    }
    assert.ok(
      frameworks.some((f) => (f.offered_resources as { cpus: number }).cpus > 0),
      'some framework holds an offer',
    );
    const one = doc(frameworksJson(ctx, multi.fw.id));
    assert.deepEqual(
      (one.frameworks as Json[]).map((f) => f.id),
      [multi.fw.id],
    );
  });

  test('a framework capability of a type the master does not know is written UNKNOWN, as Mesos writes Type_Name(type())', () => {
    const master = newMaster();
    // What the codec leaves of {"type": "FROM_THE_FUTURE"}: unknown enum values of optional fields are dropped.
    subscribe(master, frameworkInfo({ capabilities: [{}, { type: 'TASK_KILLING_STATE' }] }));
    const ctx = { master, flags: {}, buildTime: 0 };
    const written = (value: unknown) => (doc(value).frameworks as Json[])[0]!.capabilities;
    assert.deepEqual(written(frameworksJson(ctx)), ['UNKNOWN', 'TASK_KILLING_STATE']);
    assert.deepEqual(written(stateSummaryJson(ctx)), ['UNKNOWN', 'TASK_KILLING_STATE']);
  });

  test('agents: not deactivated when only disconnected; full resources only in /master/slaves; recovered agents filtered by slave_id', () => {
    const master = newMaster();
    const resources = parseResources('cpus:2;mem:1024;disk(web):100;ports:[31000-31010]');
    const { agent } = register(master, { resources, attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }] });
    const ctx = { master, flags: {}, buildTime: 0 };
    const stateSlave = (doc(stateJson(ctx)).slaves as Json[])[0]!;
    assert.equal(stateSlave.deactivated, false);
    for (const k of ['reserved_resources_full', 'unreserved_resources_full', 'used_resources_full', 'offered_resources_full']) {
      assert.equal(k in stateSlave, false, `/master/state has no ${k}`);
    }
    const slaves = doc(slavesJson(ctx, agent.id));
    const full = (slaves.slaves as Json[])[0]!;
    assert.deepEqual(Object.keys(full.reserved_resources_full as Json), ['web']);
    assert.equal(
      (full.unreserved_resources_full as { name: string }[]).some((r) => r.name === 'disk'),
      false,
      'reserved disk is not unreserved',
    );
    assert.ok(Array.isArray(full.used_resources_full) && Array.isArray(full.offered_resources_full));

    master.state.addRecoveredAgent({
      id: 'gone-1',
      hostname: 'gone.test',
      port: 5051,
      pid: 'slave(1)@10.0.0.9:5051',
      resources: [],
      attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r9' } }],
      registeredTime: 1000,
    });
    assert.deepEqual(
      (doc(slavesJson(ctx, agent.id)).recovered_slaves as Json[]).map((a) => a.id),
      [],
      'the slave_id filter applies to recovered agents too',
    );
    const recovered = doc(slavesJson(ctx, 'gone-1'));
    assert.deepEqual(recovered.slaves, []);
    assert.deepEqual((recovered.recovered_slaves as Json[])[0]!.attributes, { rack: 'r9' });
  });

  test('state-summary: agent fields of /master/state, counts from the frameworks tasks (completed too), no cluster unless set', async () => {
    const { master, fw, agent } = await clusterWithRunningTask(frameworkInfo({ hostname: 'sched.test', webui_url: 'http://sched.test' }));
    const finished = agentStatus('t1', 'TASK_FINISHED');
    master.statusUpdate(agent, fw.id, finished);
    master.acknowledge(fw, agent.id, 't1', finished.uuid!);
    const ctx = { master, flags: {}, buildTime: 0 };
    const summary = doc(stateSummaryJson(ctx));
    assert.equal('cluster' in summary, false);
    const slave = (summary.slaves as Json[])[0]!;
    for (const k of [
      'port',
      'attributes',
      'registered_time',
      'reserved_resources',
      'unreserved_resources',
      'deactivated',
      'version',
      'capabilities',
    ])
      assert.ok(k in slave, k);
    assert.equal(slave.TASK_FINISHED, 1, "the agent's finished task counts");
    assert.deepEqual(slave.framework_ids, [fw.id]);
    const f = (summary.frameworks as Json[])[0]!;
    assert.equal('pid' in f, false);
    assert.deepEqual(
      [f.hostname, f.webui_url, f.recovered, f.TASK_FINISHED, f.TASK_RUNNING],
      ['sched.test', 'http://sched.test', false, 1, 0],
    );
    assert.deepEqual(f.slave_ids, [agent.id]);
    assert.equal(doc(stateSummaryJson({ ...ctx, master: newMaster({ cluster: 'c1' }) })).cluster, 'c1');
  });

  test('roles: quantities (ranges and sets counted, absent names left out), resources = allocated + offered', async () => {
    const { master, fw } = await clusterWithRunningTask();
    // The first agent's rest is refused for a while after the launch: a second one is offered.
    register(master, { hostname: 'agent2.test', pid: 'slave(1)@10.0.0.3:5051' });
    await allocation();
    const role = (doc(rolesJson(master)).roles as Json[]).find((r) => r.name === '*')!;
    const allocated = role.allocated as Record<string, number>;
    assert.deepEqual(allocated, { cpus: 0.5, mem: 128 });
    const offered = role.offered as Record<string, number>;
    assert.equal(offered.ports, 11, 'ports [31000-31010] are 11');
    assert.equal('gpus' in offered, false);
    assert.deepEqual(role.resources, { cpus: 0.5 + offered.cpus!, mem: 128 + offered.mem!, ports: 11 });
    assert.deepEqual(role.quota, { role: '*', guarantee: {}, limit: {}, consumed: { cpus: 0.5, mem: 128 } });
    assert.deepEqual(role.frameworks, [fw.id]);
  });
});
