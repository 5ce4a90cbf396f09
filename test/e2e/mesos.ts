// What the e2e tests read from the product: the master's state endpoints (the fields used here),
// the guide's `mesos execute` line, and the daemon's own lines in a unit's journal.
import type { ContainerHost } from './host.ts';

export interface TaskJson {
  id: string;
  name: string;
  state: string;
  slave_id: string;
  statuses: { state: string }[];
}
export interface FrameworkJson {
  id: string;
  name: string;
  principal?: string;
  tasks: TaskJson[];
  completed_tasks: TaskJson[];
}
export interface AgentJson {
  id: string;
  hostname: string;
  pid: string;
  active: boolean;
  attributes: Record<string, string | number>;
}
export interface StateJson {
  hostname: string;
  pid: string;
  slaves: AgentJson[];
  frameworks: FrameworkJson[];
  completed_frameworks: FrameworkJson[];
}
export interface AgentsJson {
  slaves: AgentJson[];
}

/** The guide's command line, as typed in a shell on a host. */
export function guideExecute(masterHost: string, name = 'whizbang', command = '/bin/sleep 10', extra = ''): string {
  return `mesos execute --command="${command}" --master=${masterHost}:5050 --name="${name}"${extra ? ` ${extra}` : ''}`;
}

/** Every task of the state, active or completed, of active or completed frameworks. */
export function allTasks(state: StateJson): TaskJson[] {
  return [...state.frameworks, ...state.completed_frameworks].flatMap((f) => [...f.tasks, ...f.completed_tasks]);
}

/** The lines the daemon itself wrote (its stdout and stderr) to a unit's journal, this boot. */
export async function glogLines(host: ContainerHost, unit: string, since?: string): Promise<string[]> {
  const r = await host.exec(
    ['journalctl', '--no-pager', '-b', '-u', unit, '_TRANSPORT=stdout', '-o', 'cat', ...(since ? ['--since', since] : [])],
    {
      reject: false,
    },
  );
  return r.stdout.split('\n').filter((l) => l !== '');
}
