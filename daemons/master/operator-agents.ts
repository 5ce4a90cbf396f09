// The operator calls that act on agents (DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT,
// MARK_AGENT_GONE), with Mesos's checks, refusals and texts (Master::Http::_deactivateAgent,
// _reactivateAgent, drainAgent, _drainAgent, _markAgentGone in src/master/http.cpp). What they
// do to the agent is AgentBook's (agents.ts); the marks live in MasterState (agent-marks.ts).
import { type OperatorAnswer, status } from '../common/operator-api.ts';
import type { mesos } from '../common/mesos.ts';
import { operatorAllowed } from './authorizer/checks.ts';
import type { Master } from './master.ts';

type Answer = OperatorAnswer<mesos.v1.master.Response>;

export function deactivateAgent(master: Master, agentId: string, principal: string | undefined): Answer {
  if (!operatorAllowed(master.config.authorizer, 'deactivate_agents', principal)) return status(403);
  if (!master.agentBook.knows(agentId)) return status(400, 'Unknown agent');
  master.agentBook.deactivate(agentId);
  return status(200);
}

export function reactivateAgent(master: Master, agentId: string, principal: string | undefined): Answer {
  if (!operatorAllowed(master.config.authorizer, 'reactivate_agents', principal)) return status(403);
  const marks = master.state.agentMarks;
  if (!marks.isDeactivated(agentId)) return status(400, 'Agent is not deactivated');
  if (marks.drainInfo(agentId)?.state === 'DRAINING') return status(400, 'Agent is still in the DRAINING state');
  if (!master.agentBook.reactivate(agentId)) return status(409, 'Agent removed while processing the call');
  return status(200);
}

export function drainAgent(master: Master, call: mesos.v1.master.Call.DrainAgent, principal: string | undefined): Answer {
  const agentId = call.agent_id.value;
  // Mesos refuses agents without the AGENT_DRAINING capability; here the master kills the tasks
  // itself (KILL_TASK, which every agent of this protocol obeys), so every agent can be drained.
  const authorizer = master.config.authorizer;
  if (!operatorAllowed(authorizer, 'drain_agents', principal)) return status(403);
  if (call.mark_gone && !operatorAllowed(authorizer, 'mark_agents_gone', principal)) return status(403);
  if (!master.agentBook.knows(agentId)) return status(400, 'Unknown agent');
  const config: mesos.v1.DrainConfig = { mark_gone: call.mark_gone ?? false };
  if (call.max_grace_period) config.max_grace_period = { nanoseconds: durationNanos(call.max_grace_period) };
  master.agentBook.drain(agentId, config);
  return status(200);
}

/** A google.protobuf.Duration in nanoseconds. */
function durationNanos(d: { seconds?: number; nanos?: number }): number {
  return (d.seconds ?? 0) * 1e9 + (d.nanos ?? 0);
}

export function markAgentGone(master: Master, agentId: string, principal: string | undefined): Answer {
  if (!operatorAllowed(master.config.authorizer, 'mark_agents_gone', principal)) return status(403);
  if (master.state.agentMarks.isGone(agentId)) return status(200);
  if (!master.agentBook.knows(agentId)) return status(404, `Agent '${agentId}' not found`);
  master.agentBook.markGone(agentId);
  return status(200);
}
