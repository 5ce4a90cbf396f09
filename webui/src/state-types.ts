// The JSON the UI reads: the master's /master/state, /master/roles and /metrics/snapshot, the
// agent's /slave(1)/state and /files/*, in Apache Mesos's field names. Everything here comes
// from the network (and much of it from frameworks), so fields are optional where Mesos leaves
// them out and every string is rendered as text.

/** Flattened resources of the state endpoints: scalars as numbers (mem/disk in MB), ranges and sets as strings. */
export type Resources = Record<string, number | string | undefined>;

export interface Label {
  key: string;
  value?: string;
}

export interface TaskStatusJson {
  state: string;
  timestamp: number;
  healthy?: boolean;
  labels?: Label[];
}

export interface TaskJson {
  id: string;
  name: string;
  framework_id: string;
  executor_id?: string;
  slave_id: string;
  state: string;
  resources?: Resources;
  role?: string;
  statuses?: TaskStatusJson[];
  labels?: Label[];
  user?: string;
}

export interface OfferJson {
  id: string;
  framework_id: string;
  slave_id: string;
  allocation_info?: { role?: string };
  resources?: Resources;
}

export interface FrameworkJson {
  id: string;
  name: string;
  user?: string;
  hostname?: string;
  webui_url?: string;
  principal?: string;
  role?: string;
  roles?: string[];
  active?: boolean;
  connected?: boolean;
  /** Known from the registry or an agent after a master restart; its scheduler has not subscribed since. */
  recovered?: boolean;
  failover_timeout?: number;
  checkpoint?: boolean;
  registered_time?: number;
  reregistered_time?: number;
  unregistered_time?: number;
  capabilities?: string[];
  resources?: Resources;
  used_resources?: Resources;
  offered_resources?: Resources;
  tasks?: TaskJson[];
  unreachable_tasks?: TaskJson[];
  completed_tasks?: TaskJson[];
  offers?: OfferJson[];
  labels?: Label[];
}

export interface AgentJson {
  id: string;
  pid: string;
  hostname: string;
  port?: number;
  attributes?: Record<string, string | number>;
  registered_time?: number;
  reregistered_time?: number;
  resources?: Resources;
  used_resources?: Resources;
  offered_resources?: Resources;
  reserved_resources?: Record<string, Resources>;
  unreserved_resources?: Resources;
  active?: boolean;
  deactivated?: boolean;
  drain_info?: { state?: string };
  version?: string;
  capabilities?: string[];
}

export interface LeaderInfo {
  id?: string;
  pid?: string;
  hostname?: string;
  port?: number;
}

export interface MasterState {
  version?: string;
  mesos_ts_version?: string;
  build_date?: string;
  start_time?: number;
  elected_time?: number;
  id?: string;
  pid?: string;
  hostname?: string;
  leader?: string;
  leader_info?: LeaderInfo;
  cluster?: string;
  activated_slaves?: number;
  deactivated_slaves?: number;
  unreachable_slaves?: number;
  slaves?: AgentJson[];
  frameworks?: FrameworkJson[];
  completed_frameworks?: FrameworkJson[];
  flags?: Record<string, string>;
}

export type Metrics = Record<string, number>;

export interface RoleJson {
  name: string;
  weight?: number;
  frameworks?: string[];
  allocated?: Resources;
  offered?: Resources;
  reserved?: Resources;
}

export interface RolesJson {
  roles?: RoleJson[];
}

export interface ExecutorJson {
  id: string;
  name?: string;
  source?: string;
  container?: string;
  directory?: string;
  type?: string;
  resources?: Resources;
  tasks?: TaskJson[];
  queued_tasks?: TaskJson[];
  completed_tasks?: TaskJson[];
}

export interface AgentFrameworkJson {
  id: string;
  name?: string;
  user?: string;
  executors?: ExecutorJson[];
  completed_executors?: ExecutorJson[];
}

export interface AgentState {
  id?: string;
  pid?: string;
  hostname?: string;
  version?: string;
  start_time?: number;
  frameworks?: AgentFrameworkJson[];
  completed_frameworks?: AgentFrameworkJson[];
}

/** One entry of /files/browse. */
export interface FileEntry {
  path: string;
  nlink?: number;
  size: number;
  mtime: number;
  mode: string;
  uid?: string;
  gid?: string;
}

/** An answer of /files/read: `data` starts at byte `offset`. */
export interface FileChunk {
  offset: number;
  data: string;
}
