// What a custom executor's own Calls do to its run (executor-api.ts has checked and routed
// them): SUBSCRIBE takes its event stream and hands it the queued tasks, UPDATE is recorded and
// forwarded like the agent's own updates and then ACKNOWLEDGED, MESSAGE goes to the scheduler.
//
//   executor --SUBSCRIBE--> SUBSCRIBED, LAUNCH / LAUNCH_GROUP (queued tasks), KILL (kills that waited)
//            --UPDATE-----> checkpointed --> master --> scheduler;  <--ACKNOWLEDGED-- once checkpointed
//            --MESSAGE----> FRAMEWORK_MESSAGE --> master --> scheduler
import { isTerminalState, type TaskStatus } from '../../common/mesos.ts';
import type { ExecutorCall, ExecutorConnection } from './calls.ts';
import { type CustomExecutorRun, partitionAware } from './custom-run.ts';

export function subscribe(run: CustomExecutorRun, sub: NonNullable<ExecutorCall['subscribe']>, connection: ExecutorConnection): void {
  const { fw, host, id } = run;
  const who = run.who;
  host.log.info(who, `Received Subscribe request for HTTP executor '${id}' of framework ${fw.id}`);
  if (fw.shuttingDown || run.state === 'TERMINATING' || run.state === 'TERMINATED') {
    const why = fw.shuttingDown ? 'the framework is terminating' : `it is ${run.state.toLowerCase()}`;
    host.log.warn(who, `Shutting down executor '${id}': ${why}`);
    connection.send({ type: 'SHUTDOWN' });
    connection.close();
    return;
  }
  if (run.stream.open) {
    host.log.warn(who, `Closing the existing connection of executor '${id}'`);
    run.stream.detach()?.close();
  }
  run.deadline.clear();
  run.state = 'RUNNING';
  run.stream.attach(connection, host.customExecutors.timeouts.heartbeatSecs);
  if (!run.subscribed) {
    run.subscribed = true;
    void host.checkpointed
      ?.subscribed(run.containerId)
      .catch((err: unknown) => host.log.error(`Failed to checkpoint the subscription of executor '${id}': ${(err as Error).message}`));
  }
  // Updates the executor could not get acknowledged (e.g. across an agent restart); the ones
  // already checkpointed are recognised by their uuid and only acknowledged again.
  for (const u of sub.unacknowledged_updates ?? []) {
    if (u.status?.uuid && u.status.task_id) update(run, u.status);
  }
  const knownToExecutor = new Set((sub.unacknowledged_tasks ?? []).map((t) => t.task_id.value));
  for (const task of run.tasks.values()) {
    const taskId = task.info.task_id.value;
    if (task.state !== 'TASK_STAGING' || run.queue.has(taskId) || knownToExecutor.has(taskId)) continue;
    // Sent, but the executor never got it: the agent restarted (or the stream broke) first.
    host.log.info({ framework: fw.id, task: taskId }, `Transitioning STAGED task ${taskId} because it is unknown to the executor '${id}'`);
    host.updates.transition(task, partitionAware(fw) ? 'TASK_DROPPED' : 'TASK_LOST', {
      message: 'Task launched during agent restart',
      reason: 'REASON_AGENT_RESTARTED',
      source: 'SOURCE_AGENT',
    });
  }
  if (!run.everSentTask && run.queue.size === 0) {
    run.shutdownUnused();
    return;
  }
  const { config } = host;
  run.send({
    type: 'SUBSCRIBED',
    subscribed: {
      executor_info: run.info,
      framework_info: fw.info,
      agent_info: {
        hostname: config.hostname,
        port: config.port,
        resources: config.resources,
        attributes: config.attributes,
        ...(host.id ? { id: { value: host.id } } : {}),
      },
      container_id: { value: run.containerId },
    },
  });
  run.deliver(run.queue.ids);
  for (const [taskId, policy] of run.pendingKills) {
    const task = run.tasks.get(taskId);
    if (task && !isTerminalState(task.state)) {
      run.send({ type: 'KILL', kill: { task_id: { value: taskId }, ...(policy ? { kill_policy: policy } : {}) } });
    }
  }
  run.pendingKills.clear();
}

/** UPDATE from the executor: recorded and forwarded like the agent's own, then ACKNOWLEDGED to it. */
/**
 * Why `run` may not send an update for `taskId`: the task is another executor's. An executor
 * speaks only for its own tasks, whatever its token says about it.
 */
export function foreignTask(run: CustomExecutorRun, taskId: string): string | undefined {
  const owner = run.fw.taskExecutors.get(taskId);
  // An owner that has ended (its id perhaps reused since) owns nothing any more.
  if (!owner || owner === run || run.fw.executors.get(owner.id) !== owner) return undefined;
  return `Task ${taskId} belongs to executor '${owner.id}', not to executor '${run.id}'`;
}

export function update(run: CustomExecutorRun, given: TaskStatus): void {
  const { fw, host } = run;
  const taskId = given.task_id.value;
  if (fw.shuttingDown) {
    host.log.warn(
      { framework: fw.id, task: taskId },
      `Ignoring status update ${given.state} of task ${taskId}: framework ${fw.id} is terminating`,
    );
    return;
  }
  const status: TaskStatus = {
    ...given,
    source: 'SOURCE_EXECUTOR',
    executor_id: { value: run.id },
    timestamp: given.timestamp ?? Date.now() / 1000,
  };
  if (host.id) status.agent_id = { value: host.id };
  if (!status.container_status) status.container_status = { container_id: { value: run.containerId } };
  const uuid = status.uuid!;
  const acknowledge = () => {
    if (run.stream.open) run.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: taskId }, uuid } });
  };
  const task = host.findTask(fw.id, taskId);
  if (task?.statuses.some((s) => s.uuid === uuid)) {
    acknowledge(); // a resent update the agent has already
    return;
  }
  if (task && isTerminalState(task.state)) {
    host.log.warn(
      { framework: fw.id, task: taskId },
      `Ignoring status update ${status.state} of task ${taskId}: it is already ${task.state}`,
    );
    acknowledge();
    return;
  }
  if (!task) {
    host.log.warn(
      { framework: fw.id, task: taskId },
      `Executor '${run.id}' sent ${status.state} for task ${taskId}, which the agent does not know; forwarding it`,
    );
  }
  const recorded = task ? host.updates.accept(task, status) : host.updates.forward(fw.id, status);
  void recorded.then(acknowledge);
}

/** MESSAGE from the executor: to the scheduler, through the master. */
export function messageToFramework(run: CustomExecutorRun, data: string): void {
  const { fw, host } = run;
  if (fw.shuttingDown) {
    host.log.warn(run.who, `Ignoring a framework message from executor '${run.id}': framework ${fw.id} is terminating`);
    return;
  }
  host.updates.tellMaster({ type: 'FRAMEWORK_MESSAGE', framework_message: { framework_id: fw.id, executor_id: run.id, data } }, 1);
}

/** The executor's event stream ended (it closed it, or broke); it may subscribe again. */
export function disconnected(run: CustomExecutorRun, connection: ExecutorConnection): void {
  if (!run.stream.uses(connection)) return;
  run.stream.detach();
  if (run.state === 'RUNNING') run.host.log.info(run.who, `Executor '${run.id}' closed its connection`);
}
