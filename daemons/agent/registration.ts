// What the agent tells the master when it registers or re-registers (pure): its identity and
// resources, the frameworks it runs tasks for, their live executors (all but command
// executors, which the master does not count as executors of their own) and every task it
// tracks with its latest state, so a master that failed over learns them again.
import type { RegisterMessage, ReportedExecutor, ReportedTask } from '../common/agent-protocol.ts';
import type { FrameworkInfo } from '../common/mesos.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import type { AgentConfig, AgentFramework } from './records.ts';

/** What this agent can do, as Mesos's SlaveInfo.Capability names it (also in /state). */
export const AGENT_CAPABILITIES: readonly string[] = [
  'MULTI_ROLE',
  'HIERARCHICAL_ROLE',
  'RESERVATION_REFINEMENT',
  'TASK_LABELS_TRANSITIONS',
];

export interface RegisteringAgent {
  readonly config: AgentConfig;
  readonly id: string | undefined;
  readonly pid: string;
  readonly frameworks: ReadonlyMap<string, AgentFramework>;
}

export function registerMessage(agent: RegisteringAgent): RegisterMessage['register'] {
  const tasks: ReportedTask[] = [];
  const frameworks: FrameworkInfo[] = [];
  const executors: ReportedExecutor[] = [];
  for (const fw of agent.frameworks.values()) {
    if (fw.shuttingDown) continue;
    frameworks.push(fw.info);
    for (const run of fw.executors.values()) {
      const executor = run.reported();
      if (executor) executors.push(executor);
      // Tasks of an executor the master does not know of (a command executor's) name none.
      const executorId = executor ? run.id : '';
      for (const t of run.tasks.values()) {
        const status = t.statuses[t.statuses.length - 1];
        tasks.push({ framework_id: fw.id, executor_id: executorId, task: t.info, state: t.state, ...(status ? { status } : {}) });
      }
    }
  }
  const { config } = agent;
  return {
    ...(agent.id ? { agent_id: agent.id } : {}),
    hostname: config.hostname,
    port: config.port,
    pid: agent.pid,
    version: MESOS_API_VERSION,
    resources: config.resources,
    attributes: config.attributes,
    tasks,
    frameworks,
    executors,
    capabilities: [...AGENT_CAPABILITIES],
  };
}
