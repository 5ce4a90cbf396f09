// The v1 scheduler Calls other than SUBSCRIBE, applied to the master core. Input is the
// decoded, schema-checked and validated Call (validation/scheduler-call.ts) in its JSON shape.
// This is the API's side of the master: it decides the HTTP status of a call the core refuses
// (CallError); the core itself speaks no HTTP.
import type {
  ExecutorInfo,
  Filters,
  mesos,
  OfferID,
  OfferOperation,
  Resource,
  SchedulerCall,
  TaskInfo,
  TaskStatusReason,
} from '../common/mesos.ts';
import { allocatedTo, postRefinementFormat, subtract } from '../common/resources.ts';
import type { Master } from './master.ts';
import type { AgentRecord, FrameworkRecord } from './records.ts';
import { masterStatus } from './status.ts';
import { reviveSuppressRolesError, updateFrameworkError } from './validation/framework.ts';
import { registerFrameworkRefusal, runTaskRefusal } from './authorizer/checks.ts';
import { operationAcknowledgementError } from './validation/operation.ts';
import { validateTask, validateTaskGroup } from './validation/task.ts';

/** A call refused with the HTTP status and text Mesos answers it with; thrown in the API layer only. */
export class CallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The framework of a non-SUBSCRIBE call, checked against the stream the call names (Mesos-Stream-Id). */
export function frameworkForCall(master: Master, frameworkId: string | undefined, streamId: string | undefined): FrameworkRecord {
  if (!frameworkId) throw new CallError(400, "Expecting 'framework_id' to be present");
  const fw = master.frameworks.get(frameworkId);
  if (!fw) throw new CallError(400, 'Framework cannot be found');
  if (!fw.connected || !fw.sink) throw new CallError(403, 'Framework is not subscribed');
  if (!streamId) throw new CallError(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  if (streamId !== fw.streamId) {
    throw new CallError(
      400,
      `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
    );
  }
  return fw;
}

/** Mesos caps refuse_seconds at one year; default is 5 s. */
const MAX_REFUSE_SECONDS = 365 * 24 * 3600;

function refuseSeconds(filters: Filters | undefined): number {
  const value = filters?.refuse_seconds ?? 5;
  if (!Number.isFinite(value) || value < 0) return 5;
  return Math.min(value, MAX_REFUSE_SECONDS);
}

/** The payload fields of a Call, one per type. */
type PayloadKey = Exclude<keyof SchedulerCall, 'type' | 'framework_id'>;

/**
 * The call's payload for its type, which validation/scheduler-call.ts has checked is there (a
 * call without it reaching here is a bug, answered 500).
 */
export function payload<K extends PayloadKey>(call: SchedulerCall, key: K): NonNullable<SchedulerCall[K]> {
  const value = call[key];
  if (value === undefined) throw new Error(`A ${call.type} call without '${key}' passed validation`);
  return value;
}

/**
 * Applies one validated call (validation/scheduler-call.ts); returns the HTTP status of success
 * (202, 200 for UPDATE_FRAMEWORK). Calls Mesos accepts and then drops (an unknown agent, a role
 * that is not the framework's) are answered 202 and logged, as there.
 */
export function applyCall(master: Master, fw: FrameworkRecord, call: SchedulerCall): number {
  switch (call.type) {
    case 'ACCEPT': {
      const accept = payload(call, 'accept');
      accept_(master, fw, accept.offer_ids ?? [], accept.operations ?? [], refuseSeconds(accept.filters));
      return 202;
    }
    case 'DECLINE': {
      const decline = payload(call, 'decline');
      master.decline(
        fw,
        (decline.offer_ids ?? []).map((o) => o.value),
        refuseSeconds(decline.filters),
      );
      return 202;
    }
    case 'REVIVE': {
      const roles = call.revive?.roles ?? [];
      if (!dropForRoles(master, fw, 'REVIVE', roles)) master.revive(fw, roles);
      return 202;
    }
    case 'SUPPRESS': {
      const roles = call.suppress?.roles ?? [];
      if (!dropForRoles(master, fw, 'SUPPRESS', roles)) master.suppress(fw, roles);
      return 202;
    }
    case 'KILL': {
      const kill = payload(call, 'kill');
      master.kill(fw, kill.task_id.value, kill.agent_id?.value, kill.kill_policy);
      return 202;
    }
    case 'ACKNOWLEDGE': {
      const ack = payload(call, 'acknowledge');
      master.acknowledge(fw, ack.agent_id.value, ack.task_id.value, ack.uuid);
      return 202;
    }
    case 'ACKNOWLEDGE_OPERATION_STATUS':
      acknowledgeOperationStatus(master, fw, payload(call, 'acknowledge_operation_status'));
      return 202;
    case 'RECONCILE': {
      const rec = payload(call, 'reconcile');
      master.reconcile(
        fw,
        (rec.tasks ?? []).map((t) => ({ taskId: t.task_id.value, ...(t.agent_id ? { agentId: t.agent_id.value } : {}) })),
      );
      return 202;
    }
    case 'RECONCILE_OPERATIONS':
      master.reconcileOperations(fw, payload(call, 'reconcile_operations').operations ?? []);
      return 202;
    case 'MESSAGE': {
      const msg = payload(call, 'message');
      master.messageToExecutor(fw, msg.agent_id.value, msg.executor_id.value, msg.data);
      return 202;
    }
    case 'SHUTDOWN': {
      const sd = payload(call, 'shutdown');
      master.shutdownExecutor(fw, sd.agent_id.value, sd.executor_id.value);
      return 202;
    }
    case 'TEARDOWN':
      master.removeFramework(fw, 'the scheduler sent TEARDOWN');
      return 202;
    case 'REQUEST':
      // Mesos hands the requests to its allocator, whose requestResources does nothing.
      return 202;
    case 'ACCEPT_INVERSE_OFFERS':
    case 'DECLINE_INVERSE_OFFERS':
      // This master sends no inverse offers (no maintenance schedule), so there is nothing to answer.
      return 202;
    case 'UPDATE_FRAMEWORK': {
      const upd = payload(call, 'update_framework');
      const error = updateFrameworkError(fw.info, upd.framework_info, upd.suppressed_roles ?? [], upd.offer_constraints);
      if (error) throw new CallError(400, error);
      const unauthorized = registerFrameworkRefusal(master.config.authorizer, { ...upd.framework_info, id: { value: fw.id } });
      if (unauthorized) throw new CallError(403, unauthorized);
      master.updateFramework(fw, upd.framework_info, upd.suppressed_roles ?? []);
      return 200;
    }
    default:
      // UNKNOWN, answered as Mesos answers it.
      throw new CallError(501, '501 Not Implemented.');
  }
}

/** Master::revive and Master::suppress drop the whole call when one role is invalid or not the framework's. */
function dropForRoles(master: Master, fw: FrameworkRecord, call: 'REVIVE' | 'SUPPRESS', roles: readonly string[]): boolean {
  const why = reviveSuppressRolesError(call, roles, fw.roles);
  if (why) master.log.warn({ framework: fw.id }, `Dropping ${call} call from framework ${fw.id}: ${why}`);
  return why !== undefined;
}

/**
 * ACKNOWLEDGE_OPERATION_STATUS. Mesos accepts the call, then checks the agent and the operation
 * (validation/operation.ts); this master runs no offer operations and its agents have neither
 * the RESOURCE_PROVIDER nor the AGENT_OPERATION_FEEDBACK capability, so every acknowledgement
 * stops at one of these checks and is dropped, with Mesos's reason in the log.
 */
function acknowledgeOperationStatus(master: Master, fw: FrameworkRecord, ack: mesos.v1.scheduler.Call.AcknowledgeOperationStatus): void {
  // validation/scheduler-call.ts refuses one without agent_id (no other resource providers here).
  const agentId = ack.agent_id?.value;
  if (agentId === undefined) return;
  const agent = master.agents.get(agentId);
  const facts = agent && { connected: agent.link !== undefined, capabilities: agent.capabilities };
  // No offer operations run here, so none is known.
  const why = operationAcknowledgementError(facts, ack, false);
  if (why === undefined) return;
  master.log.warn(
    { framework: fw.id, agent: agentId },
    `Cannot send operation status update acknowledgement for operation '${ack.operation_id.value}' of framework ${fw.id} to agent ${agentId} because ${why}`,
  );
}

function accept_(master: Master, fw: FrameworkRecord, offerIds: OfferID[], operations: OfferOperation[], refuse: number): void {
  const taken = master.takeOffers(
    fw,
    offerIds.map((o) => o.value),
  );
  if (!taken.ok) {
    // Tasks launched on invalid offers never start: TASK_DROPPED (TASK_LOST for older schedulers).
    for (const task of tasksOf(operations)) {
      master.sendMasterStatus(
        fw,
        masterStatus(task.task_id?.value ?? '', 'TASK_DROPPED', {
          agentId: task.agent_id?.value,
          reason: 'REASON_INVALID_OFFERS',
          message: `Task launched with invalid offers: ${taken.error}`,
        }),
      );
    }
    return;
  }
  const { agent, role } = taken.value;
  let available = taken.value.resources;
  for (const op of operations) {
    switch (op.type) {
      case 'LAUNCH':
        for (const task of op.launch?.task_infos ?? []) available = launchOne(master, fw, agent, role, task, available);
        break;
      case 'LAUNCH_GROUP':
        if (op.launch_group)
          available = launchGroup(master, fw, agent, role, op.launch_group.executor, op.launch_group.task_group.tasks ?? [], available);
        break;
      default:
        master.log.warn(
          { framework: fw.id },
          `Ignoring offer operation ${op.type}: reservations and volumes are not supported by this master`,
        );
    }
  }
  master.returnUnused(fw, agent.id, available, refuse);
}

function tasksOf(operations: OfferOperation[]): TaskInfo[] {
  const tasks: TaskInfo[] = [];
  for (const op of operations) {
    if (op.type === 'LAUNCH') tasks.push(...(op.launch?.task_infos ?? []));
    if (op.type === 'LAUNCH_GROUP') tasks.push(...(op.launch_group?.task_group?.tasks ?? []));
  }
  return tasks;
}

/**
 * Task resources as the master keeps them: in the post-refinement format (older schedulers
 * write `role: "*"` and `reservation`), allocated to the offer's role (single-role schedulers
 * send no allocation_info; Mesos fills it in).
 */
function withRole(resources: Resource[] | undefined, role: string): Resource[] {
  return allocatedTo(postRefinementFormat(resources ?? []), role);
}

function launchOne(
  master: Master,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  raw: TaskInfo,
  available: Resource[],
): Resource[] {
  const task: TaskInfo = { ...raw, resources: withRole(raw.resources, role) };
  if (task.executor?.resources) task.executor = { ...task.executor, resources: withRole(task.executor.resources, role) };
  const unauthorized = runTaskRefusal(master.config.authorizer, fw.id, fw.info, task);
  if (unauthorized) {
    taskError(master, fw, agent, task, 'REASON_TASK_UNAUTHORIZED', unauthorized);
    return available;
  }
  const executorRunning = (id: string) => master.executorRecord(agent.id, fw.id, id) !== undefined;
  const error = validateTask(task, {
    frameworkId: fw.id,
    agentId: agent.id,
    available,
    isDuplicate: (id) => fw.tasks.has(id),
    isUnreachable: (id) => fw.unreachableTasks.has(id),
    executorRunning,
  });
  if (error) {
    taskError(master, fw, agent, task, 'REASON_TASK_INVALID', error);
    return available;
  }
  return subtract(available, master.launchTask(fw, agent, role, task));
}

/** A task the master refuses before it reaches an agent: TASK_ERROR from the master, with why. */
function taskError(
  master: Master,
  fw: FrameworkRecord,
  agent: AgentRecord,
  task: TaskInfo,
  reason: TaskStatusReason,
  message: string,
): void {
  master.sendMasterStatus(fw, masterStatus(task.task_id?.value ?? '', 'TASK_ERROR', { agentId: agent.id, reason, message }));
}

function launchGroup(
  master: Master,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  rawExecutor: ExecutorInfo,
  rawTasks: TaskInfo[],
  available: Resource[],
): Resource[] {
  const executor: ExecutorInfo = {
    ...rawExecutor,
    type: rawExecutor.type ?? 'DEFAULT',
    framework_id: { value: fw.id },
    resources: withRole(rawExecutor.resources, role),
  };
  const tasks = rawTasks.map((t) => ({ ...t, resources: withRole(t.resources, role) }));
  const executorId = executor.executor_id.value;
  const running = master.executorRecord(agent.id, fw.id, executorId) !== undefined;
  // One task the framework may not run fails the whole group, as an invalid one does.
  const unauthorized = tasks.map((t) => runTaskRefusal(master.config.authorizer, fw.id, fw.info, { ...t, executor })).find((e) => e);
  if (unauthorized) {
    for (const task of tasks) taskError(master, fw, agent, task, 'REASON_TASK_UNAUTHORIZED', unauthorized);
    return available;
  }
  const error = validateTaskGroup(
    executor,
    { tasks },
    {
      frameworkId: fw.id,
      agentId: agent.id,
      available,
      isDuplicate: (id) => fw.tasks.has(id),
      isUnreachable: (id) => fw.unreachableTasks.has(id),
      executorRunning: () => running,
    },
  );
  if (error) {
    for (const task of tasks) taskError(master, fw, agent, task, 'REASON_TASK_GROUP_INVALID', error);
    return available;
  }
  return subtract(available, master.launchTaskGroup(fw, agent, role, executor, tasks));
}
