// The JSON of the read endpoints, as the daemons write it and the web UI reads it: the master's
// /master/state (and its parts /master/frameworks, /master/slaves, /master/tasks),
// /master/state-summary and /master/roles, the agent's /state, and /files and /metrics/snapshot
// of both, in Apache Mesos 1.11's field names (src/master/readonly_handler.cpp,
// src/slave/http.cpp, src/common/http.cpp, src/files/files.cpp). Where the JSON
// embeds a v1 message it is the generated type (proto/mesos-v1.ts). A field renamed here or in a
// .proto file fails the type check of the code that writes it (master/state-json.ts,
// master/summary-json.ts, agent/state-json.ts) and of the UI that reads it (webui/src/).
// Types only, and importing only types: the web UI's build reads this file.
import type { mesos } from './proto/mesos-v1.ts';

type TaskState = mesos.v1.TaskState;

/**
 * Resources flattened as the state endpoints write them (model(Resources) in common/http.cpp):
 * cpus, gpus, mem and disk always (mem and disk in MB), other scalars summed, ranges as
 * '[31000-32000]', sets as '{a, b}', revocable ones under '<name>_revocable'.
 */
export interface StateResources {
  cpus: number;
  gpus: number;
  mem: number;
  disk: number;
  [name: string]: number | string;
}

/** Resources as /master/roles counts them (ResourceQuantities): scalars summed, ranges and sets counted. */
export type Quantities = Record<string, number>;

/** Agent attributes (model(Attributes)): a scalar's number, or the text, ranges or set as a string. */
export type AttributesJson = Record<string, string | number>;

// ---------------------------------------------------------------------------------------------
// Tasks

/** One entry of a task's `statuses` (json(TaskStatus) in Mesos's common/http.cpp). */
export interface TaskStatusJson {
  state: TaskState;
  /** Seconds since the epoch; Mesos writes it only when the status has one. */
  timestamp?: number;
  healthy?: boolean;
  labels?: mesos.v1.Label[];
  container_status?: mesos.v1.ContainerStatus;
  check_status?: mesos.v1.CheckStatusInfo;
}

/** A task (json(Task)): in a framework's lists on the master, in an executor's on the agent. */
export interface TaskJson {
  id: string;
  name: string;
  framework_id: string;
  /** '' for a command task. */
  executor_id: string;
  slave_id: string;
  state: TaskState;
  resources: StateResources;
  /** The role its resources are allocated to. */
  role: string;
  statuses: TaskStatusJson[];
  /** The command's user, else its executor's. */
  user?: string;
  labels?: mesos.v1.Label[];
  discovery?: mesos.v1.DiscoveryInfo;
  container?: mesos.v1.ContainerInfo;
  health_check?: mesos.v1.HealthCheck;
  unreachable_time?: mesos.v1.TimeInfo;
}

/** A task an agent holds until its executor takes it (json of its TaskInfo, and its state). */
export interface QueuedTaskJson {
  id: string;
  name: string;
  slave_id: string;
  resources: StateResources;
  role: string;
  command?: mesos.v1.CommandInfo;
  executor_id?: string;
  discovery?: mesos.v1.DiscoveryInfo;
  state: TaskState;
}

/** The task states /master/state-summary counts, each a field of an agent's and a framework's summary. */
export type TaskCounts = Record<
  | 'TASK_STAGING'
  | 'TASK_STARTING'
  | 'TASK_RUNNING'
  | 'TASK_KILLING'
  | 'TASK_FINISHED'
  | 'TASK_KILLED'
  | 'TASK_FAILED'
  | 'TASK_LOST'
  | 'TASK_ERROR'
  | 'TASK_UNREACHABLE',
  number
>;

// ---------------------------------------------------------------------------------------------
// The master

/** An outstanding offer, in its framework's `offers`. */
export interface OfferJson {
  id: string;
  framework_id: string;
  allocation_info: mesos.v1.Resource.AllocationInfo;
  slave_id: string;
  resources: StateResources;
}

/** A framework's summary (json(Summary<Framework>)): the first fields of every framework listed. */
export interface FrameworkSummaryJson {
  id: string;
  name: string;
  used_resources: StateResources;
  offered_resources: StateResources;
  capabilities: mesos.v1.FrameworkInfo.Capability.Type[];
  hostname: string;
  webui_url: string;
  active: boolean;
  connected: boolean;
  /** Known from the registry or an agent after a master restart; its scheduler has not subscribed since. */
  recovered: boolean;
}

/** A framework in /master/state and /master/frameworks (FullFrameworkWriter). */
export interface FrameworkJson extends FrameworkSummaryJson {
  user: string;
  failover_timeout: number;
  checkpoint: boolean;
  registered_time: number;
  /** 0 while connected. */
  unregistered_time: number;
  reregistered_time?: number;
  principal?: string;
  /** Used plus offered. */
  resources: StateResources;
  /** `roles` for a MULTI_ROLE framework, `role` otherwise, as its FrameworkInfo has them. */
  role?: string;
  roles?: string[];
  tasks: TaskJson[];
  unreachable_tasks: TaskJson[];
  completed_tasks: TaskJson[];
  offers: OfferJson[];
  executors: (mesos.v1.ExecutorInfo & { slave_id: string })[];
  labels?: mesos.v1.Label[];
  offer_constraints: mesos.v1.scheduler.OfferConstraints;
}

/** An agent in /master/state (SlaveWriter). */
export interface AgentJson {
  id: string;
  /** slave(1)@ip:port */
  pid: string;
  hostname: string;
  port: number;
  registered_time: number;
  reregistered_time?: number;
  resources: StateResources;
  reserved_resources: Record<string, StateResources>;
  unreserved_resources: StateResources;
  attributes: AttributesJson;
  active: boolean;
  /** Deactivated by an operator (never here); a disconnected agent is only inactive. */
  deactivated: boolean;
  version: string;
  capabilities: string[];
  used_resources: StateResources;
  offered_resources: StateResources;
}

/** What /master/slaves adds to each agent: its resources in full, as Resource messages. */
export interface AgentFullResourcesJson {
  reserved_resources_full: Record<string, mesos.v1.Resource[]>;
  unreserved_resources_full: mesos.v1.Resource[];
  used_resources_full: readonly mesos.v1.Resource[];
  offered_resources_full: readonly mesos.v1.Resource[];
}

/** An agent the registry knows that has not re-registered since the master started. */
export interface RecoveredAgentJson {
  id: string;
  hostname: string;
  port: number;
  attributes: AttributesJson;
  pid: string;
  resources: StateResources;
  registered_time: number;
}

/** /master/state (also /state.json). */
export interface MasterStateJson {
  version: string;
  build_date: string;
  build_time: number;
  build_user: string;
  mesos_ts_version: string;
  start_time: number;
  elected_time: number;
  id: string;
  pid: string;
  hostname: string;
  capabilities: mesos.v1.MasterInfo.Capability.Type[];
  activated_slaves: number;
  deactivated_slaves: number;
  unreachable_slaves: number;
  leader: string;
  leader_info: mesos.v1.MasterInfo;
  flags: Record<string, string>;
  cluster?: string;
  log_dir?: string;
  external_log_file?: string;
  slaves: AgentJson[];
  recovered_slaves: RecoveredAgentJson[];
  frameworks: FrameworkJson[];
  completed_frameworks: FrameworkJson[];
  orphan_tasks: TaskJson[];
  /** Framework ids. */
  unregistered_frameworks: string[];
}

/** /master/frameworks */
export type FrameworksJson = Pick<MasterStateJson, 'frameworks' | 'completed_frameworks' | 'unregistered_frameworks'>;

/** /master/slaves */
export interface AgentsJson {
  slaves: (AgentJson & AgentFullResourcesJson)[];
  recovered_slaves: RecoveredAgentJson[];
}

/** /master/tasks */
export interface TasksJson {
  tasks: TaskJson[];
}

/** /master/state-summary */
export interface StateSummaryJson {
  hostname: string;
  cluster?: string;
  slaves: (AgentJson & TaskCounts & { framework_ids: string[] })[];
  frameworks: (FrameworkSummaryJson & TaskCounts & { slave_ids: string[] })[];
}

/** A role in /master/roles. */
export interface RoleJson {
  name: string;
  weight: number;
  quota: { role: string; guarantee: Quantities; limit: Quantities; consumed: Quantities };
  /** Allocated plus offered (Mesos's deprecated field). */
  resources: Quantities;
  allocated: Quantities;
  offered: Quantities;
  reserved: Quantities;
  frameworks: string[];
}

/** /master/roles */
export interface RolesJson {
  roles: RoleJson[];
}

// ---------------------------------------------------------------------------------------------
// The agent

/** An executor in an agent framework's `executors` or `completed_executors` (ExecutorWriter). */
export interface ExecutorJson {
  id: string;
  name: string;
  source: string;
  container: string;
  /** Its sandbox. */
  directory: string;
  resources: StateResources;
  /** Command executors have no resources of their own, and so no role. */
  role?: string;
  labels?: mesos.v1.Label[];
  type?: mesos.v1.ExecutorInfo.Type;
  tasks: TaskJson[];
  queued_tasks: QueuedTaskJson[];
  completed_tasks: TaskJson[];
}

/** A framework in the agent's /state (FrameworkWriter). */
export interface AgentFrameworkJson {
  id: string;
  name: string;
  user: string;
  failover_timeout: number;
  checkpoint: boolean;
  hostname: string;
  principal?: string;
  role?: string;
  roles?: string[];
  capabilities: mesos.v1.FrameworkInfo.Capability.Type[];
  executors: ExecutorJson[];
  completed_executors: ExecutorJson[];
}

/** The agent's /state (also /slave(1)/state). */
export interface AgentStateJson {
  version: string;
  mesos_ts_version: string;
  build_date: string;
  build_time: number;
  build_user: string;
  start_time: number;
  /** '' until it has registered. */
  id: string;
  pid: string;
  hostname: string;
  capabilities: readonly string[];
  resources: StateResources;
  reserved_resources: Record<string, StateResources>;
  unreserved_resources: StateResources;
  reserved_resources_full: Record<string, mesos.v1.Resource[]>;
  unreserved_resources_full: mesos.v1.Resource[];
  reserved_resources_allocated: Record<string, StateResources>;
  unreserved_resources_allocated: StateResources;
  resource_providers: never[];
  attributes: AttributesJson;
  /** Only while a master is known. */
  master_hostname?: string;
  log_dir?: string;
  external_log_file?: string;
  /** Left out for a reader --acls do not give view_flags. */
  flags?: Record<string, string>;
  frameworks: AgentFrameworkJson[];
  completed_frameworks: AgentFrameworkJson[];
}

// ---------------------------------------------------------------------------------------------
// Both

/** /metrics/snapshot: metric name -> value. */
export type MetricsJson = Record<string, number>;

/** One entry of /files/browse (model(path, stat) in Mesos's src/files/files.cpp). */
export interface FileEntryJson {
  path: string;
  nlink: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** As `ls -l` writes it: drwxr-xr-x */
  mode: string;
  uid: string;
  gid: string;
}

/** An answer of /files/read: `data` starts at byte `offset` (with offset -1, the file's size in `offset`). */
export interface FileChunkJson {
  offset: number;
  data: string;
}
