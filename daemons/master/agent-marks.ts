// What operators decided about agents through the v1 operator API, kept in the registry as
// Mesos's master keeps it (Registry::Slave `deactivated` and `drain_info`, `gone`): agents
// deactivated (offered no resources until reactivated), agents draining or drained (with their
// DrainConfig), and agents marked gone (never admitted again). Each change is a registry
// operation, so a restarted or newly elected master finds them; the returned promise settles
// once the change is durable. AgentBook acts on them.
import type { mesos } from '../common/mesos.ts';
import type { Registry } from './registry.ts';

export type DrainInfo = mesos.v1.DrainInfo;

export class AgentMarks {
  constructor(private readonly registry: Registry) {}

  isDeactivated(agentId: string): boolean {
    return this.registry.state.marks.get(agentId)?.deactivated === true;
  }

  drainInfo(agentId: string): DrainInfo | undefined {
    return this.registry.state.marks.get(agentId)?.drain;
  }

  /** Agents whose drain has not finished. */
  draining(): string[] {
    return [...this.registry.state.marks].filter(([, m]) => m.drain?.state === 'DRAINING').map(([id]) => id);
  }

  isGone(agentId: string): boolean {
    return this.registry.state.gone.has(agentId);
  }

  /** Agents marked gone, with when. */
  gone(): ReadonlyMap<string, number> {
    return this.registry.state.gone;
  }

  deactivate(agentId: string): Promise<void> {
    return this.registry.applyDurably({ op: 'DEACTIVATE_AGENT', agent_id: agentId });
  }

  /** Draining deactivates the agent too (Master::Http::_drainAgent). */
  startDrain(agentId: string, config: mesos.v1.DrainConfig): Promise<void> {
    return this.registry.applyDurably({ op: 'DRAIN_AGENT', agent_id: agentId, config });
  }

  markDrained(agentId: string): Promise<void> {
    return this.registry.applyDurably({ op: 'MARK_AGENT_DRAINED', agent_id: agentId });
  }

  reactivate(agentId: string): Promise<void> {
    return this.registry.applyDurably({ op: 'REACTIVATE_AGENT', agent_id: agentId });
  }

  /** Also removes the agent from the registry's admitted and unreachable agents. */
  markGone(agentId: string, time: number): Promise<void> {
    return this.registry.applyDurably({ op: 'MARK_AGENT_GONE', agent_id: agentId, time });
  }

  /** An agent marked gone long ago is forgotten (--registry_max_agent_age, --registry_max_agent_count). */
  forgetGone(agentId: string): Promise<void> {
    return this.registry.applyDurably({ op: 'FORGET_GONE_AGENT', agent_id: agentId });
  }
}
