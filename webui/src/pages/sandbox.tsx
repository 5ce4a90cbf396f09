// `#/agents/<id>/frameworks/<fw>/tasks/<task>/browse` (and Apache Mesos's executor forms):
// looks the sandbox directory up in the agent's /state, then replaces itself with the
// directory listing, so the back button skips it.
import { useEffect } from 'preact/hooks';
import { loadAgentState } from '../api.ts';
import { findAgent, sandboxDirectory } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { usePoll } from '../poll.ts';
import { href } from '../routes.ts';
import { replaceHash } from '../router.ts';
import { ErrorNote, Loading, PageTitle, RouteLink } from '../components/bits.tsx';

export interface SandboxProps {
  agentId: string;
  frameworkId: string;
  executorId?: string | undefined;
  taskId?: string | undefined;
}

export function SandboxPage(props: SandboxProps) {
  const { state } = useMaster();
  const agent = state ? findAgent(state, props.agentId) : undefined;
  const known = agent !== undefined;
  const poll = usePoll(`sandbox:${props.agentId}`, known ? (signal) => loadAgentState(props.agentId, signal) : undefined, {
    intervalMs: 1_000,
    maxBackoffMs: 4_000,
  });
  const dir = poll.data ? sandboxDirectory(poll.data, props) : undefined;
  useEffect(() => {
    if (dir !== undefined) replaceHash(href({ page: 'browse', agentId: props.agentId, path: dir }));
  }, [dir, props.agentId]);

  const what = props.taskId !== undefined ? `task ${props.taskId}` : `executor ${props.executorId ?? ''}`;
  return (
    <div class="page sandbox">
      <PageTitle sub={`Framework ${props.frameworkId}`}>Sandbox of {what}</PageTitle>
      {state && !agent && (
        <ErrorNote>
          The master does not know agent {props.agentId} any more, so its sandboxes cannot be reached.{' '}
          <RouteLink to={{ page: 'agents' }}>All agents</RouteLink>
        </ErrorNote>
      )}
      {poll.error && <ErrorNote>Cannot read the agent's state: {poll.error}</ErrorNote>}
      {poll.data && dir === undefined && (
        <ErrorNote>
          The agent does not know a sandbox for this {props.taskId !== undefined ? 'task' : 'executor'} (not launched yet, or already
          garbage-collected). Still looking…
        </ErrorNote>
      )}
      {!poll.data && !poll.error && (!state || agent) && <Loading what="the sandbox location" />}
    </div>
  );
}
