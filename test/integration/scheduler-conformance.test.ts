// The v1 scheduler API answering as Apache Mesos 1.11 does, against real daemons: refused
// subscriptions as an ERROR event on a 200 stream, the status codes and texts of
// Master::Http::scheduler (src/master/http.cpp) and scheduler::call::validate
// (src/master/validation.cpp), operation reconciliation by agent standing (Master::reconcileOperations),
// and offers in the format older schedulers were written for (Master::offer).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import type { FrameworkInfo, mesos, OperationStatus, Resource, SchedulerCall, TaskInfo, TaskStatus } from '../../daemons/common/mesos.ts';
import { decode, encode } from '../../daemons/common/proto/codec.ts';
import { Daemon, freePort, sleep, spawnMesos, startAgent, startCluster, stopSupervisor, tempDir, waitFor } from '../helpers/cluster.ts';
import { MESOS_CALL_PAYLOADS, TestScheduler } from '../helpers/scheduler.ts';

let cluster: Awaited<ReturnType<typeof startCluster>>;

before(async () => {
  cluster = await startCluster(['--allocation_interval=50ms']);
});
after(async () => {
  await cluster?.stop();
});

const JSON_TYPE = 'application/json';
const PROTOBUF = 'application/x-protobuf';

async function post(port: number, body: string | Uint8Array, headers: Record<string, string>, method = 'POST') {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/scheduler`, { method, headers, ...(method === 'POST' ? { body } : {}) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** The records of a RecordIO body that has ended. */
function records(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const newline = body.indexOf(0x0a, at);
    const length = Number(body.subarray(at, newline).toString());
    out.push(body.subarray(newline + 1, newline + 1 + length));
    at = newline + 1 + length;
  }
  return out;
}

const subscribeCall = (info: Partial<FrameworkInfo>, extra: Partial<mesos.v1.scheduler.Call.Subscribe> = {}): SchedulerCall => ({
  type: 'SUBSCRIBE',
  ...(info.id ? { framework_id: info.id } : {}),
  subscribe: { framework_info: { user: 'tester', name: 'conformance', ...info }, ...extra },
});

describe('a SUBSCRIBE Mesos refuses is a 200 stream with one ERROR event, then the end', () => {
  for (const format of ['json', 'protobuf'] as const) {
    test(`the id of a removed framework (${format})`, async () => {
      const s = new TestScheduler(cluster.master.port, 'json');
      const id = await s.subscribe();
      await s.client.call({ type: 'TEARDOWN' });
      s.close();
      await waitFor('the framework completed', async () => {
        const fws = await cluster.master.json<{ completed_frameworks: { id: string }[] }>('/master/frameworks');
        return fws.completed_frameworks.some((f) => f.id === id);
      });
      const call = subscribeCall({ id: { value: id } });
      const type = format === 'json' ? JSON_TYPE : PROTOBUF;
      const res = await post(cluster.master.port, format === 'json' ? JSON.stringify(call) : encode('mesos.v1.scheduler.Call', call), {
        'Content-Type': type,
        Accept: type,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), type);
      assert.match(res.headers.get('mesos-stream-id') ?? '', /^[0-9a-f-]{36}$/);
      const events = records(res.body).map((r) => (format === 'json' ? JSON.parse(r.toString()) : decode('mesos.v1.scheduler.Event', r)));
      assert.deepEqual(events, [{ type: 'ERROR', error: { message: 'Framework has been removed' } }]);
    });
  }

  test("an invalid role, suppressed roles that are not the framework's, another principal for a known framework", async () => {
    const refusal = async (call: object) => {
      const res = await post(cluster.master.port, JSON.stringify(call), { 'Content-Type': JSON_TYPE });
      assert.equal(res.status, 200);
      return records(res.body).map((r) => JSON.parse(r.toString()));
    };
    assert.deepEqual(await refusal(subscribeCall({ role: 'a//b' })), [
      { type: 'ERROR', error: { message: "'FrameworkInfo.role' is not a valid role: Role 'a//b' cannot contain two adjacent slashes" } },
    ]);
    assert.deepEqual(await refusal(subscribeCall({ role: 'web' }, { suppressed_roles: ['db'] })), [
      { type: 'ERROR', error: { message: 'Suppressed roles { db } are not contained in the set of roles' } },
    ]);
    const s = new TestScheduler(cluster.master.port, 'json');
    try {
      const id = await s.subscribe({ principal: 'alice', failover_timeout: 60 });
      assert.deepEqual(await refusal(subscribeCall({ id: { value: id }, principal: 'mallory' })), [
        { type: 'ERROR', error: { message: "Changing framework's principal is not allowed." } },
      ]);
      assert.equal(s.disconnected, false, 'the refused subscription did not take the framework over');
    } finally {
      s.close();
    }
  });
});

describe("status codes and texts of Mesos's scheduler endpoint", () => {
  const json = { 'Content-Type': JSON_TYPE };
  const text = async (call: object, headers: Record<string, string> = json) => {
    const res = await post(cluster.master.port, JSON.stringify(call), headers);
    return `${res.status} ${res.body.toString()}`;
  };

  test('a call missing its payload is a 400 before its framework is looked up; REQUEST too', async () => {
    const unknown = { value: 'no-such-framework' };
    for (const [type, payload] of Object.entries(MESOS_CALL_PAYLOADS)) {
      assert.equal(
        await text({ type, framework_id: unknown }),
        `400 Failed to validate scheduler::Call: Expecting '${payload}' to be present`,
      );
    }
    assert.equal(await text({ type: 'REVIVE' }), "400 Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
    assert.equal(await text({ framework_id: unknown }), "400 Failed to validate scheduler::Call: Expecting 'type' to be present");
    assert.equal(await text({ type: 'REVIVE', framework_id: unknown }), '400 Framework cannot be found');
    assert.equal(
      await text({
        type: 'ACKNOWLEDGE',
        framework_id: unknown,
        acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: Buffer.alloc(16).toString('base64') },
      }),
      '400 Failed to validate scheduler::Call: Not a valid UUID',
    );
    assert.equal(
      await text({ type: 'SUBSCRIBE', framework_id: { value: 'x' }, subscribe: { framework_info: { user: 'u', name: 'n' } } }),
      "400 Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'",
    );
  });

  test("REQUEST without 'request' is a 400 (Mesos), with it a 202", async () => {
    const s = new TestScheduler(cluster.master.port, 'json');
    try {
      const id = await s.subscribe();
      const headers = { ...json, 'Mesos-Stream-Id': s.client.streamId! };
      assert.equal(
        await text({ type: 'REQUEST', framework_id: { value: id } }, headers),
        "400 Failed to validate scheduler::Call: Expecting 'request' to be present",
      );
      assert.equal(
        await text({ type: 'REQUEST', framework_id: { value: id }, request: { requests: [{ agent_id: { value: 'a' } }] } }, headers),
        '202 ',
      );
    } finally {
      s.close();
    }
  });

  test('405 and 406 as libprocess words them; Accept matters only where Mesos answers with a body', async () => {
    const get = await post(cluster.master.port, '', {}, 'GET');
    assert.equal(`${get.status} ${get.body.toString()}`, "405 405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'.");
    assert.equal(get.headers.get('allow'), 'POST');
    const refuseAll = { ...json, Accept: 'text/html' };
    assert.equal(
      await text(subscribeCall({}), refuseAll),
      "406 Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'",
    );
    const s = new TestScheduler(cluster.master.port, 'json');
    try {
      const id = await s.subscribe();
      const headers = { ...refuseAll, 'Mesos-Stream-Id': s.client.streamId! };
      assert.equal(await text({ type: 'REVIVE', framework_id: { value: id } }, headers), '202 ');
      assert.equal(
        await text({ type: 'RECONCILE_OPERATIONS', framework_id: { value: id }, reconcile_operations: {} }, headers),
        "406 Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'",
      );
      assert.equal(await text({ type: 'UNKNOWN', framework_id: { value: id } }, headers), '501 501 Not Implemented.');
    } finally {
      s.close();
    }
  });

  test('ACKNOWLEDGE_OPERATION_STATUS is accepted; its uuid and agent_id are checked as Mesos checks them', async () => {
    const s = new TestScheduler(cluster.master.port, 'json');
    try {
      const id = await s.subscribe();
      const agentId = (await s.nextOffer()).agent_id;
      const headers = { ...json, 'Mesos-Stream-Id': s.client.streamId! };
      const ack = (body: Record<string, unknown>) =>
        text(
          {
            type: 'ACKNOWLEDGE_OPERATION_STATUS',
            framework_id: { value: id },
            acknowledge_operation_status: { operation_id: { value: 'op-1' }, ...body },
          },
          headers,
        );
      assert.equal(await ack({ agent_id: agentId, uuid: newStatusUuid() }), '202 ');
      assert.equal(await ack({ agent_id: agentId, uuid: 'AAAA' }), '400 Failed to validate scheduler::Call: Not a valid UUID');
      assert.equal(await ack({ uuid: newStatusUuid() }), "400 Failed to validate scheduler::Call: Expecting 'agent_id' to be present");
    } finally {
      s.close();
    }
  });
});

describe('RECONCILE_OPERATIONS', () => {
  for (const format of ['json', 'protobuf'] as const) {
    test(`answers UPDATE_OPERATION_STATUS events: OPERATION_UNKNOWN for a registered or unknown agent, or none given (${format})`, async () => {
      const s = new TestScheduler(cluster.master.port, format);
      try {
        await s.subscribe();
        const agentId = (await s.nextOffer()).agent_id;
        await s.client.call({
          type: 'RECONCILE_OPERATIONS',
          reconcile_operations: {
            operations: [
              { operation_id: { value: 'a' }, agent_id: agentId },
              { operation_id: { value: 'b' }, agent_id: { value: 'nope' } },
              { operation_id: { value: 'c' } },
            ],
          },
        });
        const statuses = await waitFor('three operation updates', () => {
          const got = s.events.filter((e) => e.type === 'UPDATE_OPERATION_STATUS');
          return got.length === 3 && got.map((e) => (e.update_operation_status as { status: OperationStatus }).status);
        });
        assert.deepEqual(statuses, [
          { operation_id: { value: 'a' }, state: 'OPERATION_UNKNOWN', message: 'Reconciliation: Operation is unknown', agent_id: agentId },
          {
            operation_id: { value: 'b' },
            state: 'OPERATION_UNKNOWN',
            message: 'Reconciliation: Both operation and agent are unknown',
            agent_id: { value: 'nope' },
          },
          {
            operation_id: { value: 'c' },
            state: 'OPERATION_UNKNOWN',
            message: "Reconciliation: Operation is unknown and no 'agent_id' was provided",
          },
        ]);
      } finally {
        s.close();
      }
    });
  }

  test('after a master restart: OPERATION_UNREACHABLE for an agent marked unreachable, OPERATION_RECOVERING for one not back yet', async () => {
    const port = await freePort();
    const workDir = tempDir('master-conformance');
    const launch = async () => {
      const args = [
        'master',
        '--ip=127.0.0.1',
        `--port=${port}`,
        `--work_dir=${workDir}`,
        '--agent_ping_timeout=1secs',
        '--max_agent_ping_timeouts=2',
      ];
      const d = new Daemon('master', spawnMesos(args), port, workDir);
      await waitFor('master up', async () => {
        if (d.exited) throw new Error(`master exited: ${d.output}`);
        return (await fetch(`${d.url}/health`).catch(() => undefined))?.ok;
      });
      return d;
    };
    let master = await launch();
    const frozen = await startAgent(master);
    const away = await startAgent(master);
    try {
      const ids = await master.json<{ slaves: { id: string; port: number }[] }>('/master/slaves');
      const frozenId = ids.slaves.find((a) => a.port === frozen.port)!.id;
      const awayId = ids.slaves.find((a) => a.port === away.port)!.id;
      frozen.proc.kill('SIGSTOP');
      await waitFor(
        'the frozen agent marked unreachable',
        async () => (await master.json<Record<string, number>>('/metrics/snapshot'))['master/slaves_unreachable'] === 1,
        20_000,
      );
      await sleep(200); // the registry write
      master.proc.kill('SIGKILL');
      await master.waitExit();
      for (const agent of [frozen, away]) {
        agent.proc.kill('SIGKILL');
        await agent.waitExit();
        await stopSupervisor(agent.runtimeDir!);
      }
      master = await launch();
      const s = new TestScheduler(port, 'json');
      try {
        await s.subscribe({ capabilities: [{ type: 'PARTITION_AWARE' }] });
        await s.client.call({
          type: 'RECONCILE_OPERATIONS',
          reconcile_operations: {
            operations: [
              { operation_id: { value: 'x' }, agent_id: { value: frozenId } },
              { operation_id: { value: 'y' }, agent_id: { value: awayId } },
            ],
          },
        });
        const statuses = await waitFor('two operation updates', () => {
          const got = s.events.filter((e) => e.type === 'UPDATE_OPERATION_STATUS');
          return got.length === 2 && got.map((e) => (e.update_operation_status as { status: OperationStatus }).status);
        });
        assert.deepEqual(statuses, [
          {
            operation_id: { value: 'x' },
            state: 'OPERATION_UNREACHABLE',
            message: 'Reconciliation: Agent is unreachable',
            agent_id: { value: frozenId },
          },
          {
            operation_id: { value: 'y' },
            state: 'OPERATION_RECOVERING',
            message: 'Reconciliation: Agent is recovered but has not re-registered',
            agent_id: { value: awayId },
          },
        ]);
        // Tasks: the master stays silent about one that may be on the agent it waits for.
        await s.client.call({
          type: 'RECONCILE',
          reconcile: {
            tasks: [
              { task_id: { value: 'on-away' }, agent_id: { value: awayId } },
              { task_id: { value: 'on-frozen' }, agent_id: { value: frozenId } },
            ],
          },
        });
        const unreachable = await s.waitState('on-frozen', 'TASK_UNREACHABLE');
        assert.equal(unreachable.message, 'Reconciliation: Task is unreachable');
        assert.ok(
          (unreachable.unreachable_time as { nanoseconds: number } | undefined)?.nanoseconds,
          'with the time the agent became unreachable',
        );
        await sleep(300);
        assert.deepEqual(s.updates('on-away'), []);
      } finally {
        s.close();
      }
    } finally {
      for (const agent of [frozen, away]) await agent.stop('SIGKILL');
      await master.stop('SIGKILL');
    }
  });
});

describe('offers to a framework without MULTI_ROLE', () => {
  test('carry no allocation_info and `role: "*"`; tasks sent back that way run', async () => {
    const s = new TestScheduler(cluster.master.port, 'protobuf');
    try {
      await s.subscribe();
      const offer = await s.nextOffer();
      assert.equal(offer.allocation_info, undefined);
      assert.ok(offer.resources!.length > 0);
      for (const r of offer.resources!) {
        assert.equal(r.allocation_info, undefined, `${r.name}: no allocation_info`);
        assert.equal(r.role, '*', `${r.name}: role *`);
      }
      const resources: Resource[] = [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, role: '*' },
        { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: '*' },
      ];
      const task: TaskInfo = {
        name: 'old-style',
        task_id: { value: 'old-style' },
        agent_id: offer.agent_id,
        command: { value: 'true' },
        resources,
      };
      await s.client.call({
        type: 'ACCEPT',
        accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
      });
      const finished: TaskStatus = await s.waitState('old-style', 'TASK_FINISHED');
      assert.equal(finished.source, 'SOURCE_EXECUTOR');
      const state = await cluster.master.json<{
        frameworks: {
          tasks: { id: string; resources: { cpus: number } }[];
          completed_tasks: { id: string; resources: { cpus: number } }[];
        }[];
      }>('/master/frameworks');
      const known = state.frameworks.flatMap((f) => [...f.tasks, ...f.completed_tasks]).find((t) => t.id === 'old-style');
      assert.equal(known?.resources.cpus, 0.5);
    } finally {
      s.close();
    }
  });

  test('a MULTI_ROLE framework still gets allocation_info', async () => {
    const s = new TestScheduler(cluster.master.port, 'json');
    try {
      await s.subscribe({ roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] });
      const offer = await s.nextOffer();
      assert.deepEqual(offer.allocation_info, { role: '*' });
      assert.ok(offer.resources!.every((r) => r.allocation_info?.role === '*' && r.role === '*'));
    } finally {
      s.close();
    }
  });
});
