// What one HTTP principal may see of a daemon's state, with the objects Mesos's local
// authorizer gives each action (authorizer/local/authorizer.cpp): view_frameworks the
// framework's user, view_tasks the task's user (its command's, its executor's, else its
// framework's), view_executors the user the executor runs as (the daemon knows which); view_flags
// has no object.
import type { FrameworkInfo, TaskInfo } from '../mesos.ts';
import type { LocalAuthorizer } from './local.ts';

/** The Unix user a task runs as: its command's, its executor's, else its framework's. */
export function taskUser(task: TaskInfo, framework: FrameworkInfo): string {
  return task.command?.user ?? task.executor?.command?.user ?? framework.user ?? '';
}

export interface Viewer {
  framework(info: FrameworkInfo): boolean;
  task(task: TaskInfo, framework: FrameworkInfo): boolean;
  /** An executor running as `user`. */
  executor(user: string): boolean;
  /** Whether the daemon's flags (and the log paths among them) may be shown. */
  flags(): boolean;
}

/** The filter of the state endpoints for `principal`; undefined when it sees everything (no --acls). */
export function viewerFor(authorizer: LocalAuthorizer | undefined, principal: string | undefined): Viewer | undefined {
  if (authorizer === undefined) return undefined;
  return {
    framework: (info) => authorizer.authorized('view_frameworks', principal, info.user ?? ''),
    task: (task, framework) => authorizer.authorized('view_tasks', principal, taskUser(task, framework)),
    executor: (user) => authorizer.authorized('view_executors', principal, user),
    flags: () => authorizer.authorized('view_flags', principal, undefined),
  };
}
