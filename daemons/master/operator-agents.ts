// The operator calls that act on agents (DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT,
// MARK_AGENT_GONE), with Mesos's checks, refusals and texts (Master::Http::_deactivateAgent,
// _reactivateAgent, drainAgent, _drainAgent, _markAgentGone in src/master/http.cpp). What they
// do to the agent is AgentBook's (agents.ts); the marks are kept in the registry (agent-marks.ts),
// and a call answers once its mark is durable.
import { type OperatorAnswer, status } from '../common/operator-api.ts';
import type { mesos } from '../common/mesos.ts';
import { operatorAllowed } from './authorizer/checks.ts';
import type { Master } from './master.ts';

type Answer = OperatorAnswer<mesos.v1.master.Response>;

/**
 * The answer once a registry write settles: 200, or a 503 naming why the change is not durable
 * (a full disk, a lost ZooKeeper leadership), so the operator knows to call again.
 */
export async function whenDurable(write: Promise<unknown>): Promise<Answer> {
  try {
    await write;
    return status(200);
  } catch (err) {
    return status(503, registryFailureText(err as Error));
  }
}

export function registryFailureText(err: Error): string {
  const why = err.message.split('\n')[0];
  return `Failed to store the change in the registry (${why}); it is not durable: call again once the registry can be written`;
}

export function deactivateAgent(master: Master, agentId: string, principal: string | undefined): Answer | Promise<Answer> {
  if (!operatorAllowed(master.config.authorizer, 'deactivate_agents', principal)) return status(403);
  if (!master.agentBook.knows(agentId)) return status(400, 'Unknown agent');
  return whenDurable(master.agentBook.deactivate(agentId));
}

export async function reactivateAgent(master: Master, agentId: string, principal: string | undefined): Promise<Answer> {
  if (!operatorAllowed(master.config.authorizer, 'reactivate_agents', principal)) return status(403);
  const marks = master.state.agentMarks;
  if (!marks.isDeactivated(agentId)) return status(400, 'Agent is not deactivated');
  if (marks.drainInfo(agentId)?.state === 'DRAINING') return status(400, 'Agent is still in the DRAINING state');
  let registered: boolean;
  try {
    registered = await master.agentBook.reactivate(agentId);
  } catch (err) {
    return status(503, registryFailureText(err as Error));
  }
  if (!registered) return status(409, 'Agent removed while processing the call');
  return status(200);
}

export function drainAgent(master: Master, call: mesos.v1.master.Call.DrainAgent, principal: string | undefined): Answer | Promise<Answer> {
  const agentId = call.agent_id.value;
  // Mesos refuses agents without the AGENT_DRAINING capability; here the master kills the tasks
  // itself (KILL_TASK, which every agent of this protocol obeys), so every agent can be drained.
  const authorizer = master.config.authorizer;
  if (!operatorAllowed(authorizer, 'drain_agents', principal)) return status(403);
  if (call.mark_gone && !operatorAllowed(authorizer, 'mark_agents_gone', principal)) return status(403);
  if (!master.agentBook.knows(agentId)) return status(400, 'Unknown agent');
  const config: mesos.v1.DrainConfig = { mark_gone: call.mark_gone ?? false };
  if (call.max_grace_period) config.max_grace_period = { nanoseconds: durationNanos(call.max_grace_period) };
  return whenDurable(master.agentBook.drain(agentId, config));
}

/** A google.protobuf.Duration in nanoseconds. */
function durationNanos(d: { seconds?: number; nanos?: number }): number {
  return (d.seconds ?? 0) * 1e9 + (d.nanos ?? 0);
}

export function markAgentGone(master: Master, agentId: string, principal: string | undefined): Answer | Promise<Answer> {
  if (!operatorAllowed(master.config.authorizer, 'mark_agents_gone', principal)) return status(403);
  const marks = master.state.agentMarks;
  // Stored again: a call repeated after a failed write makes the mark durable.
  if (marks.isGone(agentId)) return whenDurable(marks.markGone(agentId, marks.gone().get(agentId) ?? Date.now()));
  if (!master.agentBook.knows(agentId)) return status(404, `Agent '${agentId}' not found`);
  return whenDurable(master.agentBook.markGone(agentId));
}
