// A master holding many running tasks, built through its own calls with no sockets: agents and
// schedulers are in-process sinks. The /master/state bench and the state warmer's tests use it.
import type { MasterToAgent } from '../../daemons/common/agent-protocol.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import { silentLogger } from '../../daemons/common/log.ts';
import type { Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { parseResources } from '../../daemons/common/resources.ts';
import type { AgentLink, EventSink, SchedulerEvent } from '../../daemons/master/links.ts';
import { Master } from '../../daemons/master/master.ts';
import type { AgentRecord, FrameworkRecord } from '../../daemons/master/records.ts';
import type { SchedulerCall } from '../../daemons/common/mesos.ts';
import { applyCall } from '../../daemons/master/scheduler-calls.ts';
import { TEST_MASTER_CONFIG } from './master-config.ts';

class Discard implements AgentLink, EventSink {
  offers: Offer[] = [];
  send(m: MasterToAgent | SchedulerEvent): void {
    if (m.type === 'OFFERS') this.offers.push(...(m.offers as { offers: Offer[] }).offers);
  }
  close(): void {}
}

const allocation = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A master holding `tasks` running tasks of `frameworks` frameworks on `agents` agents. */
export async function populatedMaster(
  agents: number,
  frameworks: number,
  tasks: number,
  onCreated?: (master: Master) => void,
): Promise<Master> {
  const master = new Master({ ...TEST_MASTER_CONFIG, maxCompletedTasksPerFramework: 1000 }, silentLogger());
  onCreated?.(master);
  const perAgent = Math.ceil(tasks / agents);
  const agentRecords = new Map<string, AgentRecord>();
  for (let i = 0; i < agents; i++) {
    const id = master.registerAgent(
      {
        hostname: `emu-${i}`,
        port: 10000 + (i % 50000),
        pid: `slave(1)@127.0.0.1:${10000 + (i % 50000)}`,
        version: '1.11.0',
        resources: parseResources(`cpus:${perAgent};mem:${perAgent * 64};ports:[31000-32000]`),
        attributes: [],
        tasks: [],
        frameworks: [],
      },
      new Discard(),
      `agent-${i}`,
    );
    agentRecords.set(id, master.agents.get(id)!);
  }
  const fws: Array<{ fw: FrameworkRecord; sink: Discard }> = [];
  for (let i = 0; i < frameworks; i++) {
    const sink = new Discard();
    const fw = master.subscribe(
      { user: 'bench', name: `f${i}`, capabilities: [{ type: 'PARTITION_AWARE' }], failover_timeout: 3600 },
      [],
      sink,
      `fw-${i}`,
    );
    fws.push({ fw, sink });
  }
  let launched = 0;
  while (launched < tasks) {
    await allocation();
    let progress = false;
    for (const { fw, sink } of fws) {
      const offers = sink.offers.splice(0);
      for (const offer of offers) {
        if (!master.offers.has(offer.id.value)) continue;
        const taskInfos: TaskInfo[] = [];
        const cpus = offer.resources!.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
        for (let k = 0; k < Math.floor(cpus) && launched + taskInfos.length < tasks; k++) {
          const id = `${fw.info.name}-${launched + taskInfos.length}`;
          taskInfos.push({
            name: id,
            task_id: { value: id },
            agent_id: offer.agent_id,
            resources: parseResources('cpus:1;mem:64'),
            command: { value: 'sleep 1000' },
          });
        }
        applyCall(master, fw, {
          type: 'ACCEPT',
          framework_id: { value: fw.id },
          accept: {
            offer_ids: [offer.id],
            operations: taskInfos.length > 0 ? [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }] : [],
          },
        } as SchedulerCall);
        const agent = agentRecords.get(offer.agent_id.value)!;
        for (const t of taskInfos) {
          for (const state of ['TASK_STARTING', 'TASK_RUNNING'] as const) {
            const uuid = newStatusUuid();
            master.statusUpdate(agent, fw.id, { task_id: t.task_id, state, uuid, source: 'SOURCE_EXECUTOR', timestamp: Date.now() / 1000 });
            master.acknowledge(fw, agent.id, t.task_id.value, uuid);
          }
        }
        launched += taskInfos.length;
        progress ||= taskInfos.length > 0;
      }
    }
    if (!progress && launched < tasks) await new Promise((r) => setTimeout(r, 10));
  }
  return master;
}
