// What operators decided about agents through the v1 operator API, as Mesos's master keeps it
// in `slaves.deactivated`, `slaves.draining` and `slaves.gone`: agents deactivated (offered no
// resources until reactivated), agents draining or drained (with their DrainConfig), and agents
// marked gone (never admitted again). Plain data, owned by MasterState; AgentBook acts on it.
// Kept in memory only: unlike Mesos, a master restart or failover forgets these marks.
import type { mesos } from '../common/mesos.ts';

export type DrainInfo = mesos.v1.DrainInfo;

export class AgentMarks {
  private readonly deactivatedSet = new Set<string>();
  private readonly drains = new Map<string, DrainInfo>();
  private readonly goneTimes = new Map<string, number>();

  isDeactivated(agentId: string): boolean {
    return this.deactivatedSet.has(agentId);
  }

  drainInfo(agentId: string): DrainInfo | undefined {
    return this.drains.get(agentId);
  }

  /** Agents whose drain has not finished. */
  draining(): string[] {
    return [...this.drains].filter(([, d]) => d.state === 'DRAINING').map(([id]) => id);
  }

  isGone(agentId: string): boolean {
    return this.goneTimes.has(agentId);
  }

  deactivate(agentId: string): void {
    this.deactivatedSet.add(agentId);
  }

  /** Draining deactivates the agent too (Master::Http::_drainAgent). */
  startDrain(agentId: string, config: mesos.v1.DrainConfig): void {
    this.drains.set(agentId, { state: 'DRAINING', config });
    this.deactivatedSet.add(agentId);
  }

  markDrained(agentId: string): void {
    const drain = this.drains.get(agentId);
    if (drain) drain.state = 'DRAINED';
  }

  reactivate(agentId: string): void {
    this.deactivatedSet.delete(agentId);
    this.drains.delete(agentId);
  }

  markGone(agentId: string, time: number): void {
    this.goneTimes.set(agentId, time);
    this.deactivatedSet.delete(agentId);
    this.drains.delete(agentId);
  }
}
