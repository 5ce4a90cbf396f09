// What a task's process looks like (pure): the command line, environment and user the task
// supervisor starts it with, as Mesos's command executor would; and the same for a framework's
// custom executor (ExecutorInfo.command), with the MESOS_* environment Mesos gives executors.
import os from 'node:os';
import path from 'node:path';
import { formatDuration } from '../common/flags/index.ts';
import type { CommandInfo, ExecutorInfo, FrameworkInfo, TaskInfo } from '../common/mesos.ts';
import { type Result, failed, ok } from '../common/result.ts';
import type { ContainerSpec } from './supervisor/protocol.ts';
import { type OsUser, lookupUser } from './users.ts';

export interface TaskContext {
  task: TaskInfo;
  framework: FrameworkInfo;
  containerId: string;
  executorId: string;
  sandbox: string;
  agentId: string;
  agentEndpoint: string;
  /** What executors and tasks inherit (--executor_environment_variables, else the agent's own environment), minus the agent's flags. */
  agentEnv: NodeJS.ProcessEnv;
  user?: OsUser | undefined;
  /** Set when the container runs a framework's custom executor instead of a task's command. */
  executor?: ExecutorLaunch;
  /** A task of a task group (the default executor's): its container holds that task alone. */
  inGroup?: boolean;
}

/** What a custom executor's process needs beyond the task context. */
export interface ExecutorLaunch {
  info: ExecutorInfo;
  /** libprocess-style pid of the agent (MESOS_SLAVE_PID). */
  agentPid: string;
  /** How long the agent waits after SHUTDOWN before it kills the executor, in seconds. */
  shutdownGraceSecs: number;
  /** --recovery_timeout: how long a checkpointing executor waits for a restarted agent. */
  recoveryTimeoutSecs: number;
  /** Longest pause between the executor's attempts to subscribe again (--executor_reregistration_timeout). */
  subscriptionBackoffMaxSecs: number;
  /** The executor's token for the executor API (MESOS_EXECUTOR_AUTHENTICATION_TOKEN). */
  authenticationToken?: string | undefined;
}

/** The user a task runs as (undefined: as the agent), or why it cannot run as the one it names. */
export function taskUser(
  task: TaskInfo,
  framework: FrameworkInfo,
  switchUser: boolean,
  isRoot: boolean,
  lookup: (name: string) => OsUser | undefined = lookupUser,
): Result<OsUser | undefined> {
  return commandUser(task.command, framework, switchUser, isRoot, lookup);
}

/** The user a command (a task's, or a custom executor's) runs as: CommandInfo.user, else the framework's. */
export function commandUser(
  command: CommandInfo | undefined,
  framework: FrameworkInfo,
  switchUser: boolean,
  isRoot: boolean,
  lookup: (name: string) => OsUser | undefined = lookupUser,
): Result<OsUser | undefined> {
  const name = command?.user ?? framework.user;
  if (!switchUser || !name || !isRoot) return ok(undefined);
  const user = lookup(name);
  if (!user) return failed(`Failed to switch to user '${name}': no such user on this agent (${os.hostname()})`);
  return ok(user);
}

export function taskEnvironment(ctx: TaskContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.agentEnv)) {
    // The agent's own flags must not leak into tasks (a task running `mesos` would pick them up).
    if (v !== undefined && !k.startsWith('MESOS_') && !k.startsWith('LIBPROCESS_')) env[k] = v;
  }
  if (ctx.user) {
    env.HOME = ctx.user.home;
    env.USER = ctx.user.name;
    env.LOGNAME = ctx.user.name;
  }
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return Object.assign(env, taskVariables(ctx));
}

/**
 * What Mesos tells every task about itself (MESOS_*), then CommandInfo.environment. A Docker
 * container gets only these: its image, not the agent's host, defines the rest of its environment.
 */
export function taskVariables(ctx: TaskContext): Record<string, string> {
  if (ctx.executor) return executorVariables(ctx, ctx.executor);
  const env: Record<string, string> = {
    MESOS_SANDBOX: ctx.sandbox,
    MESOS_DIRECTORY: ctx.sandbox,
    MESOS_FRAMEWORK_ID: ctx.framework.id?.value ?? '',
    MESOS_EXECUTOR_ID: ctx.executorId,
    MESOS_TASK_ID: ctx.task.task_id.value,
    MESOS_CONTAINER_ID: ctx.containerId,
    MESOS_AGENT_ENDPOINT: ctx.agentEndpoint,
    MESOS_SLAVE_ID: ctx.agentId,
    MESOS_AGENT_ID: ctx.agentId,
    MESOS_CHECKPOINT: ctx.framework.checkpoint ? '1' : '0',
  };
  for (const v of ctx.task.command?.environment?.variables ?? []) {
    if (v.type === 'SECRET') continue;
    env[v.name] = v.value ?? '';
  }
  return env;
}

/**
 * What Mesos gives a custom executor (slave.cpp executorEnvironment): where the agent is, who
 * the executor is, and how long to wait for the agent or for a shutdown; then the executor's
 * own CommandInfo.environment.
 */
export function executorVariables(ctx: TaskContext, launch: ExecutorLaunch): Record<string, string> {
  const checkpoint = ctx.framework.checkpoint === true;
  const graceNs = launch.info.shutdown_grace_period;
  const env: Record<string, string> = {
    MESOS_FRAMEWORK_ID: ctx.framework.id?.value ?? '',
    MESOS_EXECUTOR_ID: launch.info.executor_id.value,
    MESOS_DIRECTORY: ctx.sandbox,
    MESOS_SANDBOX: ctx.sandbox,
    MESOS_SLAVE_ID: ctx.agentId,
    MESOS_AGENT_ID: ctx.agentId,
    MESOS_SLAVE_PID: launch.agentPid,
    MESOS_AGENT_ENDPOINT: ctx.agentEndpoint,
    MESOS_CHECKPOINT: checkpoint ? '1' : '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: formatDuration(
      graceNs?.nanoseconds !== undefined ? graceNs.nanoseconds / 1e9 : launch.shutdownGraceSecs,
    ),
  };
  if (checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatDuration(launch.recoveryTimeoutSecs);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatDuration(launch.subscriptionBackoffMaxSecs);
  }
  if (launch.authenticationToken) env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN = launch.authenticationToken;
  for (const v of launch.info.command?.environment?.variables ?? []) {
    if (v.type === 'SECRET') continue;
    env[v.name] = v.value ?? '';
  }
  return env;
}

/**
 * The process of a command task (`/bin/sh -c value`, or `value` with `arguments` as argv), or
 * of a custom executor (the same, from ExecutorInfo.command).
 */
export function containerSpec(ctx: TaskContext): ContainerSpec {
  const command = (ctx.executor ? ctx.executor.info.command : ctx.task.command) ?? {};
  const shell = command.shell !== false;
  const value = command.value ?? '';
  return {
    id: ctx.containerId,
    file: shell ? '/bin/sh' : value,
    args: shell ? ['-c', value] : (command.arguments ?? []).slice(1),
    argv0: shell ? 'sh' : (command.arguments?.[0] ?? value),
    cwd: ctx.sandbox,
    env: taskEnvironment(ctx),
    ...(ctx.user ? { uid: ctx.user.uid, gid: ctx.user.gid } : {}),
    stdoutPath: path.join(ctx.sandbox, 'stdout'),
    stderrPath: path.join(ctx.sandbox, 'stderr'),
  };
}
