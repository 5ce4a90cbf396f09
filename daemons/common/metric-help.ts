// One-line descriptions of the metrics master and agent report, for /metrics/prometheus's
// `# HELP` lines; the meanings are those of Mesos's docs/monitoring.md. Pure.

/** Meanings shared by `master/<x>` and `slave/<x>`. */
const DAEMON: Record<string, string> = {
  uptime_secs: 'Seconds since the process started',
  frameworks_active: 'Active frameworks',
  valid_status_updates: 'Task status updates accepted since start',
  invalid_status_updates: 'Task status updates refused since start',
};

const MASTER: Record<string, string> = {
  elected: 'Whether this master is the elected leader (1) or not (0)',
  slaves_active: 'Agents that are registered and active',
  slaves_inactive: 'Agents that are registered but inactive',
  slaves_connected: 'Registered agents with a live connection to this master',
  slaves_disconnected: 'Registered agents without a live connection to this master',
  slaves_unreachable: 'Agents marked unreachable',
  frameworks_inactive: 'Inactive frameworks',
  frameworks_connected: 'Frameworks connected to this master',
  frameworks_disconnected: 'Frameworks not connected to this master',
  outstanding_offers: 'Offers sent to frameworks and not yet answered',
  messages_launch_tasks: 'Launch calls received from frameworks since start',
  operator_event_stream_subscribers: 'Clients subscribed to the operator API event stream',
};

const AGENT: Record<string, string> = {
  registered: 'Whether this agent is registered with a master (1) or not (0)',
  executors_running: 'Executors running on this agent',
};

const GLOBAL: Record<string, string> = {
  'allocator/mesos/allocation_runs': 'Times the allocation algorithm has run since start',
  'allocator/mesos/allocation_run_ms': 'Time spent in the allocation algorithm, in milliseconds',
  'allocator/mesos/allocation_run_latency_ms': 'Time from an allocation request to the start of its run, in milliseconds',
  'system/cpus_total': 'CPUs of the host',
  'system/load_1min': 'Load average of the host over 1 minute',
  'system/load_5min': 'Load average of the host over 5 minutes',
  'system/load_15min': 'Load average of the host over 15 minutes',
  'system/mem_total_bytes': 'Memory of the host, in bytes',
  'system/mem_free_bytes': 'Free memory of the host, in bytes',
};

const ACTIVE_TASK_STATES = new Set(['staging', 'starting', 'running', 'killing', 'unreachable']);
const RESOURCE_UNITS: Record<string, string> = { cpus: 'CPUs', mem: 'memory in MB', disk: 'disk in MB', gpus: 'GPUs' };

/** The description of a Mesos metric, or undefined for one this table does not know. */
export function metricHelp(name: string): string | undefined {
  const known = GLOBAL[name];
  if (known !== undefined) return known;
  const principal = /^frameworks\/.+\/messages_(received|processed)$/.exec(name);
  if (principal) return `Messages ${principal[1]} from the frameworks of this principal since start`;
  const daemon = /^(master|slave)\/(.+)$/.exec(name);
  if (!daemon) return undefined;
  const [, who, local] = daemon as unknown as [string, 'master' | 'slave', string];
  return (
    DAEMON[local] ??
    (who === 'master' ? MASTER[local] : AGENT[local]) ??
    derived(local, who === 'master' ? 'registered agents' : 'this agent')
  );
}

/** Task state counts and resource totals, which follow one pattern per family. */
function derived(local: string, where: string): string | undefined {
  const task = /^tasks_(.+)$/.exec(local);
  if (task) {
    const state = `TASK_${task[1]!.toUpperCase()}`;
    return ACTIVE_TASK_STATES.has(task[1]!) ? `Tasks in state ${state} now` : `Tasks that reached ${state} since start`;
  }
  const resource = /^(cpus|mem|disk|gpus)_(total|used|percent)$/.exec(local);
  if (!resource) return undefined;
  const unit = RESOURCE_UNITS[resource[1]!]!;
  if (resource[2] === 'total') return `Total ${unit} of ${where}`;
  if (resource[2] === 'used') return `Allocated ${unit} of ${where}`;
  return `Fraction of the ${unit} of ${where} that is allocated (0 to 1)`;
}
