// TypeScript shapes of the Mesos v1 messages as they travel in JSON (snake_case field names,
// enums as strings, bytes as base64 strings, ids as `{value}` objects). These are the same
// objects the protobuf codec produces from and consumes for `application/x-protobuf`, so the
// rest of the code never sees the wire encoding. Only the fields this project reads or writes
// are typed; others pass through untouched.

export interface Id {
  value: string;
}

export type ResourceType = 'SCALAR' | 'RANGES' | 'SET' | 'TEXT';

export interface Range {
  begin: number;
  end: number;
}

export interface ReservationInfo {
  type?: 'UNKNOWN' | 'STATIC' | 'DYNAMIC';
  role?: string;
  principal?: string;
  labels?: Labels;
}

export interface Resource {
  name: string;
  type: ResourceType;
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  /** Deprecated in Mesos but still sent by many frameworks; "*" when absent. */
  role?: string;
  allocation_info?: { role?: string };
  reservations?: ReservationInfo[];
  revocable?: Record<string, never>;
  [extra: string]: unknown;
}

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels: Label[];
}

export interface Attribute {
  name: string;
  type: ResourceType;
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  text?: { value: string };
}

export type FrameworkCapabilityType =
  | 'UNKNOWN'
  | 'REVOCABLE_RESOURCES'
  | 'TASK_KILLING_STATE'
  | 'GPU_RESOURCES'
  | 'SHARED_RESOURCES'
  | 'PARTITION_AWARE'
  | 'MULTI_ROLE'
  | 'RESERVATION_REFINEMENT'
  | 'REGION_AWARE';

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: Id;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: { type: FrameworkCapabilityType }[];
  labels?: Labels;
  [extra: string]: unknown;
}

export interface EnvironmentVariable {
  name: string;
  type?: 'UNKNOWN' | 'VALUE' | 'SECRET';
  value?: string;
}

export interface CommandURI {
  value: string;
  executable?: boolean;
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

export interface CommandInfo {
  uris?: CommandURI[];
  environment?: { variables: EnvironmentVariable[] };
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export interface DurationInfo {
  nanoseconds: number;
}

export interface KillPolicy {
  grace_period?: DurationInfo;
}

export interface ContainerInfo {
  type?: 'DOCKER' | 'MESOS';
  docker?: { image: string; network?: string; [extra: string]: unknown };
  mesos?: { image?: unknown };
  [extra: string]: unknown;
}

export interface ExecutorInfo {
  type?: 'UNKNOWN' | 'DEFAULT' | 'CUSTOM';
  executor_id: Id;
  framework_id?: Id;
  command?: CommandInfo;
  container?: ContainerInfo;
  resources?: Resource[];
  name?: string;
  [extra: string]: unknown;
}

export interface TaskInfo {
  name: string;
  task_id: Id;
  agent_id: Id;
  resources?: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  container?: ContainerInfo;
  kill_policy?: KillPolicy;
  labels?: Labels;
  data?: string;
  [extra: string]: unknown;
}

export interface TaskGroupInfo {
  tasks: TaskInfo[];
}

const TASK_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
] as const;

export type TaskState = (typeof TASK_STATES)[number];

const STATE_NAMES: ReadonlyMap<string, TaskState> = new Map(TASK_STATES.map((s) => [s, s]));

/**
 * The one copy of a state's name. A decoded message carries its own copy (32 B), and a master
 * keeps three or four per completed task; this returns the program's constant instead.
 */
export function sharedStateName(state: TaskState): TaskState {
  return STATE_NAMES.get(state) ?? state;
}

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

export function isTerminalState(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

export type TaskStatusSource = 'SOURCE_MASTER' | 'SOURCE_AGENT' | 'SOURCE_EXECUTOR';

export type TaskStatusReason =
  | 'REASON_COMMAND_EXECUTOR_FAILED'
  | 'REASON_EXECUTOR_TERMINATED'
  | 'REASON_EXECUTOR_UNREGISTERED'
  | 'REASON_FRAMEWORK_REMOVED'
  | 'REASON_INVALID_FRAMEWORKID'
  | 'REASON_INVALID_OFFERS'
  | 'REASON_MASTER_DISCONNECTED'
  | 'REASON_CONTAINER_LIMITATION_MEMORY'
  | 'REASON_RECONCILIATION'
  | 'REASON_AGENT_DISCONNECTED'
  | 'REASON_AGENT_REMOVED'
  | 'REASON_AGENT_RESTARTED'
  | 'REASON_AGENT_UNKNOWN'
  | 'REASON_TASK_INVALID'
  | 'REASON_TASK_UNAUTHORIZED'
  | 'REASON_TASK_UNKNOWN'
  | 'REASON_CONTAINER_LAUNCH_FAILED'
  | 'REASON_EXECUTOR_REGISTRATION_TIMEOUT'
  | 'REASON_TASK_GROUP_INVALID'
  | 'REASON_TASK_KILLED_DURING_LAUNCH'
  | 'REASON_AGENT_REMOVED_BY_OPERATOR'
  | 'REASON_AGENT_REREGISTERED'
  | (string & {});

export interface TaskStatus {
  task_id: Id;
  state: TaskState;
  message?: string;
  source?: TaskStatusSource;
  reason?: TaskStatusReason;
  data?: string;
  agent_id?: Id;
  executor_id?: Id;
  timestamp?: number;
  /** base64 of the 16 raw bytes; present means the scheduler must ACKNOWLEDGE. */
  uuid?: string;
  healthy?: boolean;
  labels?: Labels;
  container_status?: unknown;
  unreachable_time?: { nanoseconds: number };
  [extra: string]: unknown;
}

export type OperationState =
  | 'OPERATION_UNSUPPORTED'
  | 'OPERATION_PENDING'
  | 'OPERATION_FINISHED'
  | 'OPERATION_FAILED'
  | 'OPERATION_ERROR'
  | 'OPERATION_DROPPED'
  | 'OPERATION_UNREACHABLE'
  | 'OPERATION_GONE_BY_OPERATOR'
  | 'OPERATION_RECOVERING'
  | 'OPERATION_UNKNOWN';

/** The state of an offer operation (RESERVE, CREATE, ...) as UPDATE_OPERATION_STATUS carries it. */
export interface OperationStatus {
  operation_id?: Id;
  state: OperationState;
  message?: string;
  converted_resources?: Resource[];
  /** base64 of 16 bytes; present means the scheduler must ACKNOWLEDGE_OPERATION_STATUS. */
  uuid?: { value: string };
  agent_id?: Id;
  resource_provider_id?: Id;
}

export interface Filters {
  refuse_seconds?: number;
}

export interface Offer {
  id: Id;
  framework_id: Id;
  agent_id: Id;
  hostname: string;
  url?: {
    scheme: string;
    address: { hostname?: string; ip?: string; port: number };
    path?: string;
  };
  resources: Resource[];
  attributes?: Attribute[];
  executor_ids?: Id[];
  allocation_info?: { role?: string };
}

export interface MasterInfo {
  id: string;
  ip: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: { hostname?: string; ip?: string; port: number };
  capabilities?: { type: string }[];
}

export interface AgentInfo {
  hostname: string;
  port?: number;
  resources?: Resource[];
  attributes?: Attribute[];
  id?: Id;
}

export type OperationType = 'UNKNOWN' | 'LAUNCH' | 'LAUNCH_GROUP' | 'RESERVE' | 'UNRESERVE' | 'CREATE' | 'DESTROY' | (string & {});

export interface OfferOperation {
  type: OperationType;
  id?: Id;
  launch?: { task_infos: TaskInfo[] };
  launch_group?: { executor: ExecutorInfo; task_group: TaskGroupInfo };
  [extra: string]: unknown;
}
