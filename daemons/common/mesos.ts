// The Mesos v1 messages as the code handles them: the JSON encoding (snake_case field names,
// enums as their names, bytes as base64 strings, 64-bit integers as numbers, ids as `{value}`
// objects, unset fields absent), which the protobuf codec produces from and consumes for
// `application/x-protobuf`, so the rest of the code never sees the wire encoding. The types are
// generated from our .proto files (proto/mesos-v1.ts, `npm run gen-types`); this module gives the
// ones used everywhere their short names and holds the helpers about them.
import type { mesos } from './proto/mesos-v1.ts';

export type { mesos } from './proto/mesos-v1.ts';

export type FrameworkID = mesos.v1.FrameworkID;
export type AgentID = mesos.v1.AgentID;
export type TaskID = mesos.v1.TaskID;
export type ExecutorID = mesos.v1.ExecutorID;
export type OfferID = mesos.v1.OfferID;
export type ContainerID = mesos.v1.ContainerID;

export type ResourceType = mesos.v1.Value.Type;
export type Range = mesos.v1.Value.Range;
export type Resource = mesos.v1.Resource;
export type ReservationInfo = mesos.v1.Resource.ReservationInfo;
export type Attribute = mesos.v1.Attribute;
export type Label = mesos.v1.Label;
export type Labels = mesos.v1.Labels;

export type FrameworkInfo = mesos.v1.FrameworkInfo;
export type FrameworkCapabilityType = mesos.v1.FrameworkInfo.Capability.Type;
export type MasterInfo = mesos.v1.MasterInfo;
export type AgentInfo = mesos.v1.AgentInfo;

export type EnvironmentVariable = mesos.v1.Environment.Variable;
export type CommandURI = mesos.v1.CommandInfo.URI;
export type CommandInfo = mesos.v1.CommandInfo;
export type DurationInfo = mesos.v1.DurationInfo;
export type KillPolicy = mesos.v1.KillPolicy;
export type ContainerInfo = mesos.v1.ContainerInfo;
export type ExecutorInfo = mesos.v1.ExecutorInfo;
export type TaskInfo = mesos.v1.TaskInfo;
export type TaskGroupInfo = mesos.v1.TaskGroupInfo;
export type HealthCheck = mesos.v1.HealthCheck;
export type CheckInfo = mesos.v1.CheckInfo;
/** A type without a result means the check could not run. */
export type CheckStatusInfo = mesos.v1.CheckStatusInfo;

export type TaskState = mesos.v1.TaskState;
export type TaskStatus = mesos.v1.TaskStatus;
export type TaskStatusSource = mesos.v1.TaskStatus.Source;
export type TaskStatusReason = mesos.v1.TaskStatus.Reason;

export type OperationState = mesos.v1.OperationState;
export type OperationStatus = mesos.v1.OperationStatus;
export type Filters = mesos.v1.Filters;
export type Offer = mesos.v1.Offer;
export type OfferOperation = mesos.v1.Offer.Operation;
export type OperationType = mesos.v1.Offer.Operation.Type;

export type OfferConstraints = mesos.v1.scheduler.OfferConstraints;
export type SchedulerCall = mesos.v1.scheduler.Call;

/**
 * A Call or an Event as a union narrowed by its `type`, each member with the field named after
 * the type in lower case set (`{type: 'LAUNCH_GROUP', launch_group: {...}}`), as a sender must
 * write it. A type without such a field (HEARTBEAT, SHUTDOWN) carries only `type`.
 */
export type OfType<M extends { type?: string }> = {
  [T in NonNullable<M['type']>]: M & { type: T } & { [K in Lowercase<T> & keyof M]-?: NonNullable<M[K]> };
}[NonNullable<M['type']>];

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
] as const satisfies readonly TaskState[];

// Fails the type check when mesos.proto gains a state the list above lacks.
const EVERY_STATE_LISTED: Exclude<TaskState, (typeof TASK_STATES)[number]> extends never ? true : never = true;
void EVERY_STATE_LISTED;

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
