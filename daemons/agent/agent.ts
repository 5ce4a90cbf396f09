// The agent's core: the frameworks, executors and tasks it runs for the master, and the status
// updates it owes their schedulers. The master is reached through a MasterChannel (the HTTP
// link in master-link.ts); processes are started by the process containerizer.
//
//   master-link --RUN_TASK/KILL/ACK--> Agent --launch--> containerizer/process
//        ^                               |
//        +------STATUS_UPDATE---- StatusUpdateManager (ordered, retried until acknowledged)
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { MasterToAgent, RegisterMessage, ReportedTask } from '../common/agent-protocol.ts';
import { newStatusUuid, newUuid } from '../common/ids.ts';
import {
  type Attribute,
  type ExecutorInfo,
  type FrameworkInfo,
  type KillPolicy,
  type Resource,
  type TaskGroupInfo,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
  type TaskStatusReason,
  isTerminalState,
} from '../common/mesos.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { LaunchError, type RunningProcess, launchProcess } from './containerizer/process.ts';
import { sandboxDir } from './sandbox.ts';
import { StatusUpdateManager } from './status-updates.ts';
import { type OsUser, lookupUser } from './users.ts';

/** Mesos's command executor waits this long between SIGTERM and SIGKILL unless told otherwise. */
export const DEFAULT_KILL_GRACE_MS = 3000;

export interface AgentConfig {
  workDir: string;
  hostname: string;
  /** Address advertised to the master and in the pid. */
  ip: string;
  port: number;
  resources: Resource[];
  attributes: Attribute[];
  switchUser: boolean;
  containerizers: string[];
  executorShutdownGraceSecs: number;
  maxCompletedExecutorsPerFramework: number;
  maxCompletedFrameworks: number;
}

export interface MasterChannel {
  sendStatusUpdate(frameworkId: string, status: TaskStatus): void;
}

export type ExecutorKind = 'COMMAND' | 'DEFAULT' | 'CUSTOM';

export interface AgentTask {
  info: TaskInfo;
  frameworkId: string;
  executorId: string;
  state: TaskState;
  statuses: TaskStatus[];
  directory: string;
  proc?: RunningProcess;
  killRequested: boolean;
}

export interface AgentExecutor {
  id: string;
  frameworkId: string;
  kind: ExecutorKind;
  info: ExecutorInfo;
  containerId: string;
  directory: string;
  tasks: Map<string, AgentTask>;
  completedTasks: AgentTask[];
  /** A task group: the first task to fail or be killed takes the others with it. */
  killGroupOnFailure: boolean;
}

export interface AgentFramework {
  id: string;
  info: FrameworkInfo;
  executors: Map<string, AgentExecutor>;
  completedExecutors: AgentExecutor[];
  shuttingDown: boolean;
}

export class Agent {
  id?: string;
  readonly startTime = Date.now();
  readonly frameworks = new Map<string, AgentFramework>();
  readonly completedFrameworks: AgentFramework[] = [];
  readonly statusUpdates: StatusUpdateManager;
  readonly counters = { tasksLaunched: 0, validStatusUpdates: 0, terminal: new Map<TaskState, number>() };
  masterHostname?: string;
  private channel?: MasterChannel;
  private warnedNoSwitchUser = false;

  constructor(
    readonly config: AgentConfig,
    readonly log: Logger,
  ) {
    this.statusUpdates = new StatusUpdateManager(
      { send: (fw, status) => this.channel?.sendStatusUpdate(fw, status) },
      (fw, task) => this.terminalAcknowledged(fw, task),
      (s) => isTerminalState(s.state),
    );
  }

  get pid(): string {
    return `slave(1)@${this.config.ip}:${this.config.port}`;
  }

  attach(channel: MasterChannel): void {
    this.channel = channel;
  }

  // ---------------------------------------------------------------- master messages

  handle(msg: MasterToAgent): void {
    switch (msg.type) {
      case 'RUN_TASK':
        this.runTask(msg.run_task.framework, msg.run_task.task);
        break;
      case 'RUN_TASK_GROUP':
        this.runTaskGroup(msg.run_task_group.framework, msg.run_task_group.executor, msg.run_task_group.task_group);
        break;
      case 'KILL_TASK':
        this.killTask(msg.kill_task.framework_id, msg.kill_task.task_id, msg.kill_task.kill_policy);
        break;
      case 'ACKNOWLEDGE':
        this.statusUpdates.acknowledge(msg.acknowledge.framework_id, msg.acknowledge.task_id, msg.acknowledge.uuid);
        break;
      case 'SHUTDOWN_FRAMEWORK':
        this.shutdownFramework(msg.shutdown_framework.framework_id);
        break;
      case 'SHUTDOWN_EXECUTOR':
        this.shutdownExecutor(msg.shutdown_executor.framework_id, msg.shutdown_executor.executor_id);
        break;
      case 'FRAMEWORK_MESSAGE':
        this.log.warn(
          { framework: msg.framework_message.framework_id, executor: msg.framework_message.executor_id },
          'Dropping a framework message: command executors do not take messages',
        );
        break;
      default:
        break;
    }
  }

  /** What the agent tells the master when it (re-)registers. */
  registration(): RegisterMessage['register'] {
    const tasks: ReportedTask[] = [];
    const frameworks: FrameworkInfo[] = [];
    for (const fw of this.frameworks.values()) {
      if (fw.shuttingDown) continue;
      frameworks.push(fw.info);
      for (const ex of fw.executors.values()) {
        for (const t of ex.tasks.values()) {
          const status = t.statuses[t.statuses.length - 1];
          tasks.push({ framework_id: fw.id, executor_id: ex.kind === 'COMMAND' ? '' : ex.id, task: t.info, state: t.state, ...(status ? { status } : {}) });
        }
      }
    }
    return {
      ...(this.id ? { agent_id: this.id } : {}),
      hostname: this.config.hostname,
      port: this.config.port,
      pid: this.pid,
      version: MESOS_API_VERSION,
      resources: this.config.resources,
      attributes: this.config.attributes,
      tasks,
      frameworks,
      capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'TASK_LABELS_TRANSITIONS'],
    };
  }

  // ---------------------------------------------------------------- launching

  private framework(info: FrameworkInfo): AgentFramework {
    const id = info.id!.value;
    let fw = this.frameworks.get(id);
    if (!fw) {
      fw = { id, info, executors: new Map(), completedExecutors: [], shuttingDown: false };
      this.frameworks.set(id, fw);
    } else {
      fw.info = info;
    }
    return fw;
  }

  private newExecutor(fw: AgentFramework, kind: ExecutorKind, info: ExecutorInfo, killGroupOnFailure: boolean): AgentExecutor {
    const containerId = newUuid();
    const directory = sandboxDir(this.config.workDir, this.id ?? 'unregistered', fw.id, info.executor_id.value, containerId);
    mkdirSync(directory, { recursive: true });
    const ex: AgentExecutor = {
      id: info.executor_id.value,
      frameworkId: fw.id,
      kind,
      info,
      containerId,
      directory,
      tasks: new Map(),
      completedTasks: [],
      killGroupOnFailure,
    };
    fw.executors.set(ex.id, ex);
    return ex;
  }

  runTask(frameworkInfo: FrameworkInfo, task: TaskInfo): void {
    const fw = this.framework(frameworkInfo);
    fw.shuttingDown = false;
    const taskId = task.task_id.value;
    if (this.findTask(fw.id, taskId)) {
      this.log.warn({ framework: fw.id, task: taskId }, `Ignoring duplicate launch of task ${taskId}`);
      return;
    }
    const executorInfo: ExecutorInfo = task.executor ?? {
      executor_id: { value: taskId },
      framework_id: { value: fw.id },
      name: `Command Executor (Task: ${taskId}) (Command: ${describeCommand(task)})`,
      source: taskId,
    };
    const kind: ExecutorKind = task.executor ? 'CUSTOM' : 'COMMAND';
    const ex = this.newExecutor(fw, kind, executorInfo, false);
    const agentTask = this.addTask(ex, task, ex.directory);
    this.counters.tasksLaunched++;
    const unsupported = this.unsupportedReason(task);
    if (unsupported) {
      this.finish(agentTask, 'TASK_FAILED', unsupported.message, unsupported.reason);
      return;
    }
    this.start(fw, agentTask);
  }

  runTaskGroup(frameworkInfo: FrameworkInfo, executor: ExecutorInfo, group: TaskGroupInfo): void {
    const fw = this.framework(frameworkInfo);
    fw.shuttingDown = false;
    if (fw.executors.has(executor.executor_id.value)) {
      // Mesos lets a default executor take more groups; ours runs one group per executor.
      for (const task of group.tasks) {
        this.sendStatus(fw.id, executor.executor_id.value, task.task_id.value, 'TASK_FAILED', {
          message: `Executor ${executor.executor_id.value} is already running; launch each task group with a new executor id`,
          reason: 'REASON_TASK_GROUP_INVALID',
        });
      }
      return;
    }
    const ex = this.newExecutor(fw, 'DEFAULT', { ...executor, type: 'DEFAULT' }, true);
    const tasks = group.tasks.map((t) => {
      const dir = path.join(ex.directory, 'tasks', t.task_id.value);
      mkdirSync(dir, { recursive: true });
      return this.addTask(ex, t, dir);
    });
    this.counters.tasksLaunched += tasks.length;
    const unsupported = group.tasks.map((t) => this.unsupportedReason(t)).find((r) => r !== undefined);
    if (unsupported) {
      for (const t of tasks) this.finish(t, 'TASK_FAILED', unsupported.message, unsupported.reason);
      return;
    }
    for (const t of tasks) this.start(fw, t);
  }

  private addTask(ex: AgentExecutor, info: TaskInfo, directory: string): AgentTask {
    const task: AgentTask = {
      info,
      frameworkId: ex.frameworkId,
      executorId: ex.id,
      state: 'TASK_STAGING',
      statuses: [],
      directory,
      killRequested: false,
    };
    ex.tasks.set(info.task_id.value, task);
    return task;
  }

  private unsupportedReason(task: TaskInfo): { message: string; reason: TaskStatusReason } | undefined {
    if (task.executor) {
      return {
        message: 'Custom executors (TaskInfo.executor) are not supported by this agent yet; launch a command task or a task group',
        reason: 'REASON_EXECUTOR_TERMINATED',
      };
    }
    if (task.container?.type === 'DOCKER') {
      return {
        message: `DOCKER containers need the Docker containerizer, which this agent does not provide yet (--containerizers=${this.config.containerizers.join(',')})`,
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      };
    }
    if (task.container?.mesos?.image) {
      return {
        message: 'Container images in the Mesos containerizer are not supported; use a DOCKER container',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      };
    }
    return undefined;
  }

  private resolveUser(fw: AgentFramework, task: AgentTask): OsUser | undefined | { error: string } {
    const name = task.info.command?.user ?? fw.info.user;
    const isRoot = process.getuid?.() === 0;
    if (!this.config.switchUser || !name) return undefined;
    if (!isRoot) {
      const me = os.userInfo().username;
      if (name !== me && !this.warnedNoSwitchUser) {
        this.warnedNoSwitchUser = true;
        this.log.warn(`Tasks ask to run as '${name}' but the agent is not root; they run as '${me}' (start the agent as root, or pass --no-switch_user to silence this)`);
      }
      return undefined;
    }
    const user = lookupUser(name);
    if (!user) return { error: `Failed to switch to user '${name}': no such user on agent ${this.config.hostname}` };
    return user;
  }

  private taskEnv(fw: AgentFramework, task: AgentTask, user: OsUser | undefined): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      // The agent's own flags must not leak into tasks (a task running `mesos` would pick them up).
      if (v !== undefined && !k.startsWith('MESOS_') && !k.startsWith('LIBPROCESS_')) env[k] = v;
    }
    if (user) {
      env.HOME = user.home;
      env.USER = user.name;
      env.LOGNAME = user.name;
    }
    env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    Object.assign(env, {
      MESOS_SANDBOX: task.directory,
      MESOS_DIRECTORY: task.directory,
      MESOS_FRAMEWORK_ID: fw.id,
      MESOS_EXECUTOR_ID: task.executorId,
      MESOS_TASK_ID: task.info.task_id.value,
      MESOS_AGENT_ENDPOINT: `${this.config.ip}:${this.config.port}`,
      MESOS_SLAVE_ID: this.id ?? '',
      MESOS_AGENT_ID: this.id ?? '',
      MESOS_CHECKPOINT: fw.info.checkpoint ? '1' : '0',
    });
    for (const v of task.info.command?.environment?.variables ?? []) {
      if (v.type === 'SECRET') continue;
      env[v.name] = v.value ?? '';
    }
    return env;
  }

  private start(fw: AgentFramework, task: AgentTask): void {
    const command = task.info.command!;
    const user = this.resolveUser(fw, task);
    if (user && 'error' in user) {
      this.finish(task, 'TASK_FAILED', user.error, 'REASON_CONTAINER_LAUNCH_FAILED');
      return;
    }
    this.transition(task, 'TASK_STARTING');
    let proc: RunningProcess;
    try {
      proc = launchProcess({ command, sandbox: task.directory, env: this.taskEnv(fw, task, user), user });
    } catch (err) {
      this.finish(task, 'TASK_FAILED', (err as Error).message, 'REASON_CONTAINER_LAUNCH_FAILED');
      return;
    }
    task.proc = proc;
    proc.exited.then(
      (exit) => {
        task.proc = undefined;
        if (task.killRequested) {
          const how = exit.signal ? `terminated with signal ${signalName(exit.signal)}` : `exited with status ${exit.code}`;
          this.finish(task, 'TASK_KILLED', `Command ${how}`);
        } else if (exit.code === 0) {
          this.finish(task, 'TASK_FINISHED', 'Command exited with status 0');
        } else if (exit.signal) {
          this.finish(task, 'TASK_FAILED', `Command terminated with signal ${signalName(exit.signal)}`);
        } else {
          this.finish(task, 'TASK_FAILED', `Command exited with status ${exit.code}`);
        }
      },
      (err: unknown) => {
        task.proc = undefined;
        this.finish(task, 'TASK_FAILED', err instanceof LaunchError ? err.message : String(err), 'REASON_CONTAINER_LAUNCH_FAILED');
      },
    );
    if (proc.pid > 0) this.transition(task, 'TASK_RUNNING');
  }

  // ---------------------------------------------------------------- status updates

  private transition(task: AgentTask, state: TaskState, message?: string, reason?: TaskStatusReason): void {
    if (isTerminalState(task.state)) return;
    task.state = state;
    const ex = this.frameworks.get(task.frameworkId)?.executors.get(task.executorId);
    const status = this.sendStatus(task.frameworkId, task.executorId, task.info.task_id.value, state, {
      ...(message ? { message } : {}),
      ...(reason ? { reason } : {}),
      ...(ex ? { containerId: ex.containerId } : {}),
      commandExecutor: ex?.kind === 'COMMAND',
    });
    if (status) task.statuses.push(status);
  }

  private sendStatus(
    frameworkId: string,
    executorId: string,
    taskId: string,
    state: TaskState,
    opts: { message?: string; reason?: TaskStatusReason; containerId?: string; commandExecutor?: boolean },
  ): TaskStatus | undefined {
    const fw = this.frameworks.get(frameworkId);
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: executorId },
      timestamp: Date.now() / 1000,
      uuid: newStatusUuid(),
    };
    if (this.id) status.agent_id = { value: this.id };
    if (opts.message) status.message = opts.message;
    if (opts.reason) status.reason = opts.reason;
    if (opts.containerId) status.container_status = { container_id: { value: opts.containerId } };
    this.counters.validStatusUpdates++;
    if (isTerminalState(state)) this.counters.terminal.set(state, (this.counters.terminal.get(state) ?? 0) + 1);
    // Nobody acknowledges updates of a framework being shut down.
    if (!fw?.shuttingDown) this.statusUpdates.update(frameworkId, status);
    return status;
  }

  /** Ends a task; in a task group a failure or kill ends the rest of the group too. */
  private finish(task: AgentTask, state: TaskState, message: string, reason?: TaskStatusReason): void {
    if (isTerminalState(task.state)) return;
    this.transition(task, state, message, reason);
    if (state === 'TASK_FINISHED' || state === 'TASK_KILLED') return;
    const ex = this.frameworks.get(task.frameworkId)?.executors.get(task.executorId);
    if (!ex?.killGroupOnFailure) return;
    for (const other of ex.tasks.values()) {
      if (other === task || isTerminalState(other.state)) continue;
      this.log.info({ task: other.info.task_id.value }, `Killing task ${other.info.task_id.value}: task ${task.info.task_id.value} of its group ended in ${state}`);
      this.kill(other, DEFAULT_KILL_GRACE_MS);
    }
  }

  /** The scheduler acknowledged a task's terminal update: the task (and maybe its executor) is done. */
  private terminalAcknowledged(frameworkId: string, taskId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    for (const ex of fw.executors.values()) {
      const task = ex.tasks.get(taskId);
      if (!task) continue;
      ex.tasks.delete(taskId);
      ex.completedTasks.push(task);
      if (ex.tasks.size === 0) this.completeExecutor(fw, ex);
      return;
    }
  }

  private completeExecutor(fw: AgentFramework, ex: AgentExecutor): void {
    fw.executors.delete(ex.id);
    fw.completedExecutors.push(ex);
    const excess = fw.completedExecutors.length - this.config.maxCompletedExecutorsPerFramework;
    if (excess > 0) fw.completedExecutors.splice(0, excess);
    if (fw.executors.size === 0) {
      this.frameworks.delete(fw.id);
      this.completedFrameworks.push(fw);
      const over = this.completedFrameworks.length - this.config.maxCompletedFrameworks;
      if (over > 0) this.completedFrameworks.splice(0, over);
    }
  }

  // ---------------------------------------------------------------- killing

  findTask(frameworkId: string, taskId: string): AgentTask | undefined {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return undefined;
    for (const ex of fw.executors.values()) {
      const t = ex.tasks.get(taskId);
      if (t) return t;
    }
    return undefined;
  }

  killTask(frameworkId: string, taskId: string, policy?: KillPolicy): void {
    const task = this.findTask(frameworkId, taskId);
    if (!task) {
      this.log.warn({ framework: frameworkId, task: taskId }, `Cannot kill task ${taskId}: it is not running here`);
      return;
    }
    const graceNs = policy?.grace_period?.nanoseconds;
    const graceMs = graceNs !== undefined ? Math.max(0, graceNs / 1e6) : DEFAULT_KILL_GRACE_MS;
    const fw = this.frameworks.get(frameworkId)!;
    const ex = fw.executors.get(task.executorId);
    // Killing one task of a group kills the group, as Mesos's default executor does.
    const victims = ex?.killGroupOnFailure ? [...ex.tasks.values()] : [task];
    for (const t of victims) this.kill(t, graceMs);
  }

  private kill(task: AgentTask, graceMs: number): void {
    if (isTerminalState(task.state)) return;
    if (task.killRequested) return;
    task.killRequested = true;
    if (!task.proc) {
      this.finish(task, 'TASK_KILLED', 'Task killed before it started', 'REASON_TASK_KILLED_DURING_LAUNCH');
      return;
    }
    const fw = this.frameworks.get(task.frameworkId);
    if (fw?.info.capabilities?.some((c) => c.type === 'TASK_KILLING_STATE')) this.transition(task, 'TASK_KILLING');
    task.proc.kill(graceMs);
  }

  shutdownExecutor(frameworkId: string, executorId: string): void {
    const ex = this.frameworks.get(frameworkId)?.executors.get(executorId);
    if (!ex) return;
    for (const t of ex.tasks.values()) this.kill(t, this.config.executorShutdownGraceSecs * 1000);
  }

  shutdownFramework(frameworkId: string): void {
    const fw = this.frameworks.get(frameworkId);
    if (!fw) return;
    this.log.info({ framework: frameworkId }, `Shutting down framework ${frameworkId}`);
    fw.shuttingDown = true;
    this.statusUpdates.removeFramework(frameworkId);
    for (const ex of [...fw.executors.values()]) {
      for (const t of ex.tasks.values()) this.kill(t, this.config.executorShutdownGraceSecs * 1000);
      // Nobody will acknowledge these tasks: they complete as soon as they end.
      const settle = () => {
        if ([...ex.tasks.values()].every((t) => isTerminalState(t.state))) {
          for (const t of ex.tasks.values()) ex.completedTasks.push(t);
          ex.tasks.clear();
          if (fw.executors.get(ex.id) === ex) this.completeExecutor(fw, ex);
          return;
        }
        setTimeout(settle, 50).unref();
      };
      settle();
    }
  }

  /** Stops every task (agent shutdown); resolves when all processes are gone. */
  async killAll(graceMs: number): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const fw of this.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        for (const t of ex.tasks.values()) {
          if (t.proc) {
            waits.push(t.proc.exited.catch(() => undefined));
            t.killRequested = true;
            t.proc.kill(graceMs);
          }
        }
      }
    }
    await Promise.all(waits);
    this.statusUpdates.stop();
  }

  /** Counts of non-terminal tasks by state, for metrics. */
  activeTaskCounts(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (const fw of this.frameworks.values())
      for (const ex of fw.executors.values())
        for (const t of ex.tasks.values()) if (!isTerminalState(t.state)) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    return counts;
  }
}

function describeCommand(task: TaskInfo): string {
  const c = task.command;
  if (!c) return '';
  if (c.shell !== false) return `sh -c '${c.value ?? ''}'`;
  return [c.value ?? '', ...(c.arguments ?? []).slice(1)].join(' ');
}

const SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGTERM: 'Terminated',
  SIGKILL: 'Killed',
  SIGINT: 'Interrupt',
  SIGHUP: 'Hangup',
  SIGSEGV: 'Segmentation fault',
  SIGABRT: 'Aborted',
  SIGQUIT: 'Quit',
};

function signalName(signal: NodeJS.Signals): string {
  return SIGNAL_NAMES[signal] ?? signal;
}
