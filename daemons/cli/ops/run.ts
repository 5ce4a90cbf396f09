// The day-2 commands of `mesos` (see commands-spec.ts): each reads the leading master's
// /master/state, and the file commands and `task kill` then the task's agent, reached at its
// advertised address.
import { MAX_READ_LENGTH } from '../../common/files-read.ts';
import { isTerminalState } from '../../common/mesos.ts';
import { sandboxDirectory } from '../../common/sandbox.ts';
import type { AgentStateJson, FileChunkJson, FileEntryJson, MasterStateJson } from '../../common/state-types.ts';
import { TlsConfigError } from '../../common/tls-config.ts';
import { processTls } from '../../common/tls-process.ts';
import { OpsClient, OpsError, type Target, resolveMaster } from './client.ts';
import {
  type CatFlags,
  type CommonFlags,
  EXIT_ERROR,
  EXIT_OK,
  EXIT_USAGE,
  type KillFlags,
  type ListFlags,
  type LsFlags,
  type OpsCommand,
  type TailFlags,
  UsageError,
  parseOpsArgs,
} from './commands-spec.ts';
import { formatColumns, formatFixedTable, formatTable } from './table.ts';
import {
  AGENT_LIST_HEADERS,
  type ExecutorStatistics,
  FRAMEWORK_LIST_HEADERS,
  type FoundTask,
  LS_NUMERIC_COLUMNS,
  PS_COLUMNS,
  TASK_LIST_HEADERS,
  agentEndpoint,
  agentListRows,
  agentsWithTasks,
  frameworkListFrameworks,
  frameworkListRows,
  killContainerOf,
  lastLinesOffset,
  locateTask,
  lsRows,
  psRows,
  sandboxPath,
  taskListRows,
  taskListTasks,
} from './views.ts';

export interface OpsOutput {
  /** Writes as is (no newline added); bytes are file contents. */
  write: (data: string | Uint8Array) => void;
  err: (line: string) => void;
}

const STATE_PATH = '/master/state';

type Runner = (client: OpsClient, flags: never, io: OpsOutput) => Promise<number>;

const RUNNERS: Record<string, Runner> = {
  'task list': taskList as Runner,
  'task kill': taskKill as Runner,
  'agent list': agentList as Runner,
  'framework list': frameworkList as Runner,
  state: printState as Runner,
  ps: ps as Runner,
  cat: cat as Runner,
  tail: tail as Runner,
  ls: ls as Runner,
};

export async function runOps(
  command: OpsCommand,
  argv: readonly string[],
  io: OpsOutput = defaultOutput(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const name = command.words.join(' ');
  let flags: CommonFlags;
  try {
    const parsed = parseOpsArgs<CommonFlags>(command, argv, env);
    if (parsed.kind === 'help') {
      io.write(parsed.text);
      return EXIT_OK;
    }
    flags = parsed.flags;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(err.message);
    return EXIT_USAGE;
  }
  try {
    processTls();
    const client = new OpsClient(await resolveMaster(flags), flags);
    return await RUNNERS[name]!(client, flags as never, io);
  } catch (err) {
    if (err instanceof OpsError || err instanceof TlsConfigError) {
      io.err(`mesos ${name}: ${err.message}`);
      return EXIT_ERROR;
    }
    throw err;
  }
}

function defaultOutput(): OpsOutput {
  // A reader that went away (`mesos tail -f | head`) ends the command, as SIGPIPE ends Unix tools.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT_OK);
    throw err;
  });
  return {
    write: (text) => process.stdout.write(text),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

async function masterState(client: OpsClient): Promise<MasterStateJson> {
  return client.getJson<MasterStateJson>(client.masterTarget(), STATE_PATH);
}

/** A list command's output: the items as JSON, a table of their rows, or a line saying there are none. */
function printList<T>(
  io: OpsOutput,
  flags: CommonFlags,
  items: readonly T[],
  headers: readonly string[],
  rows: (items: readonly T[]) => string[][],
  none: string,
): number {
  if (flags.json) io.write(json(items));
  else if (items.length === 0) io.write(`${none}\n`);
  else io.write(`${formatTable(headers, rows(items))}\n`);
  return EXIT_OK;
}

async function taskList(client: OpsClient, flags: ListFlags, io: OpsOutput): Promise<number> {
  const tasks = taskListTasks(await masterState(client), flags.all);
  const none = flags.all ? 'There are no tasks in the cluster.' : 'There are no tasks running in the cluster.';
  return printList(io, flags, tasks, TASK_LIST_HEADERS, taskListRows, none);
}

async function agentList(client: OpsClient, flags: CommonFlags, io: OpsOutput): Promise<number> {
  const agents = (await masterState(client)).slaves ?? [];
  return printList(io, flags, agents, AGENT_LIST_HEADERS, agentListRows, 'The cluster does not have any agents.');
}

async function frameworkList(client: OpsClient, flags: ListFlags, io: OpsOutput): Promise<number> {
  const frameworks = frameworkListFrameworks(await masterState(client), flags.all);
  const none = flags.all ? 'There are no frameworks in the cluster.' : 'There are no active frameworks in the cluster.';
  return printList(io, flags, frameworks, FRAMEWORK_LIST_HEADERS, frameworkListRows, none);
}

async function printState(client: OpsClient, flags: CommonFlags, io: OpsOutput): Promise<number> {
  const state = await masterState(client);
  io.write(flags.json ? json(state) : `${JSON.stringify(state, null, 2)}\n`);
  return EXIT_OK;
}

async function ps(client: OpsClient, flags: CommonFlags, io: OpsOutput): Promise<number> {
  const state = await masterState(client);
  const statistics = new Map<string, ExecutorStatistics[] | undefined>();
  // As mesos-ps: an agent that does not answer leaves its tasks' MEM, TIME and CPU empty.
  await Promise.all(
    agentsWithTasks(state).map(async (agent) => {
      const target = { endpoint: agentEndpoint(agent), what: `agent '${agent.id}'`, isMaster: false };
      statistics.set(agent.id, await client.getJson<ExecutorStatistics[]>(target, '/monitor/statistics').catch(() => undefined));
    }),
  );
  const rows = psRows(state, statistics);
  if (flags.json) io.write(json(rows));
  else
    io.write(
      `${formatFixedTable(
        PS_COLUMNS,
        rows.map((r) => [r.user, r.framework, r.task, r.agent, r.mem, r.time, r.cpus]),
      )}\n`,
    );
  return EXIT_OK;
}

/** A task's agent and sandbox directory, from the master's state and the agent's /state. */
interface Sandbox {
  found: FoundTask;
  agent: Target;
  agentId: string;
  directory: string;
}

/** A task, and its agent as the master names it. */
interface TaskAgent {
  found: FoundTask;
  agent: Target;
  agentId: string;
}

/** The task (see locateTask) and its agent; `toDo` says, for the error, what could not be done. */
async function locateTaskAgent(client: OpsClient, taskId: string, frameworkId: string | undefined, toDo: string): Promise<TaskAgent> {
  const state = await masterState(client);
  const lookup = locateTask(state, taskId, frameworkId);
  if (!lookup.ok) throw new OpsError(lookup.error);
  const { found } = lookup;
  const agentId = found.task.slave_id;
  const agent = (state.slaves ?? []).find((a) => a.id === agentId);
  if (agent === undefined) {
    throw new OpsError(`the agent '${agentId}' of task '${taskId}' is not registered with the master (removed or unreachable), so ${toDo}`);
  }
  const endpoint = agentEndpoint(agent);
  const target: Target = { endpoint, what: `agent '${agentId}' at ${endpoint.host}:${endpoint.port}`, isMaster: false };
  return { found, agent: target, agentId };
}

async function locateSandbox(client: OpsClient, taskId: string, frameworkId: string | undefined): Promise<Sandbox> {
  const { found, agent: target, agentId } = await locateTaskAgent(client, taskId, frameworkId, 'its sandbox cannot be read');
  const agentState = await client.getJson<AgentStateJson>(target, '/state');
  const directory = sandboxDirectory(agentState, {
    frameworkId: found.framework.id,
    executorId: found.task.executor_id || undefined,
    taskId,
  });
  if (directory === undefined) {
    throw new OpsError(`${target.what} no longer knows the sandbox of task '${taskId}' (its executor was garbage collected)`);
  }
  return { found, agent: target, agentId, directory };
}

/** `mesos task kill`: KILL_CONTAINER (SIGKILL) on the task's container, through its agent's operator API. */
async function taskKill(client: OpsClient, flags: KillFlags, io: OpsOutput): Promise<number> {
  const taskId = flags.task!;
  const { found, agent, agentId } = await locateTaskAgent(client, taskId, flags.framework, 'it cannot be killed');
  if (isTerminalState(found.task.state)) throw new OpsError(`task '${taskId}' has already ended (${found.task.state}); nothing to kill`);
  const frameworkId = found.framework.id;
  const container = killContainerOf(await client.getJson<AgentStateJson>(agent, '/state'), frameworkId, taskId);
  if (!container.ok) throw new OpsError(`${agent.what}: ${container.error}`);
  await client.postCall(agent, '/api/v1', { type: 'KILL_CONTAINER', kill_container: { container_id: container.containerId } });
  const containerId = container.containerId;
  if (flags.json) io.write(json({ framework_id: frameworkId, task_id: taskId, agent_id: agentId, container_id: containerId }));
  else {
    const name = containerId.parent ? `${containerId.parent.value}.${containerId.value}` : containerId.value;
    io.write(`Killed task '${taskId}' of framework '${frameworkId}' (container '${name}' on agent '${agentId}'); it ends TASK_KILLED\n`);
  }
  return EXIT_OK;
}

function filePath(sandbox: Sandbox, rel: string): string {
  const path = sandboxPath(sandbox.directory, rel);
  if (path === undefined) throw new OpsError(`'${rel}' leads out of the sandbox; give a path inside it`);
  return path;
}

/** One /files/read answer: `data` holds the file's bytes from `offset`, or `offset` its size when asked with -1. */
async function filesRead(
  client: OpsClient,
  sandbox: Sandbox,
  path: string,
  offset: number,
  length?: number,
): Promise<{ offset: number; data: Buffer }> {
  const query = new URLSearchParams({ path, offset: String(offset), ...(length !== undefined ? { length: String(length) } : {}) });
  try {
    const chunk = await client.getByteJson<FileChunkJson>(sandbox.agent, `/files/read?${query}`);
    return { offset: chunk.offset, data: Buffer.from(chunk.data, 'latin1') };
  } catch (err) {
    const taskId = sandbox.found.task.id;
    if (err instanceof OpsError && / HTTP 404/.test(err.message))
      throw new OpsError(`no file '${path}' in the sandbox of task '${taskId}'; see 'mesos ls ${taskId}'`);
    throw err;
  }
}

/** The bytes at `offset`: `length` of them, or what is there up to MAX_READ_LENGTH. */
async function readChunk(client: OpsClient, sandbox: Sandbox, path: string, offset: number, length?: number): Promise<Buffer> {
  return (await filesRead(client, sandbox, path, offset, length)).data;
}

async function fileSize(client: OpsClient, sandbox: Sandbox, path: string): Promise<number> {
  return (await filesRead(client, sandbox, path, -1)).offset;
}

async function cat(client: OpsClient, flags: CatFlags, io: OpsOutput): Promise<number> {
  const sandbox = await locateSandbox(client, flags.task!, flags.framework);
  const path = filePath(sandbox, flags.file!);
  const size = await fileSize(client, sandbox, path);
  const parts: Buffer[] = [];
  for (let offset = 0; offset < size; ) {
    const data = await readChunk(client, sandbox, path, offset, Math.min(MAX_READ_LENGTH, size - offset));
    if (data.length === 0) break;
    offset += data.length;
    if (flags.json) parts.push(data);
    else io.write(data);
  }
  if (flags.json) {
    io.write(
      json({
        framework_id: sandbox.found.framework.id,
        task_id: sandbox.found.task.id,
        agent_id: sandbox.agentId,
        path,
        data: Buffer.concat(parts).toString('utf8'),
      }),
    );
  }
  return EXIT_OK;
}

/** Where the last `lines` lines of a file of `size` bytes start, reading back as far as needed. */
async function tailStart(client: OpsClient, sandbox: Sandbox, path: string, size: number, lines: number): Promise<number> {
  let start = size;
  let tailBytes = Buffer.alloc(0);
  for (;;) {
    const from = Math.max(0, start - MAX_READ_LENGTH);
    const data = await readChunk(client, sandbox, path, from, start - from);
    tailBytes = Buffer.concat([data, tailBytes]);
    start = from;
    const offset = lastLinesOffset(tailBytes, start, lines);
    if (offset !== undefined) return offset;
  }
}

async function tail(client: OpsClient, flags: TailFlags, io: OpsOutput): Promise<number> {
  const sandbox = await locateSandbox(client, flags.task!, flags.framework);
  const path = filePath(sandbox, flags.file);
  const size = await fileSize(client, sandbox, path);
  let offset = await tailStart(client, sandbox, path, size, flags.lines);
  const emit = (data: Buffer, at: number) => io.write(flags.json ? json({ offset: at, data: data.toString('utf8') }) : data);
  // Up to the size seen first, then (with --follow) whatever is appended.
  while (offset < size) {
    const data = await readChunk(client, sandbox, path, offset, Math.min(MAX_READ_LENGTH, size - offset));
    if (data.length === 0) break;
    emit(data, offset);
    offset += data.length;
  }
  if (!flags.follow) return EXIT_OK;
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    interrupted = true;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!interrupted) {
      const data = await readChunk(client, sandbox, path, offset);
      if (data.length > 0) {
        emit(data, offset);
        offset += data.length;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, flags.interval * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 130;
}

async function ls(client: OpsClient, flags: LsFlags, io: OpsOutput): Promise<number> {
  const sandbox = await locateSandbox(client, flags.task!, flags.framework);
  const path = filePath(sandbox, flags.path);
  const query = new URLSearchParams({ path });
  const entries = await client.getJson<FileEntryJson[]>(sandbox.agent, `/files/browse?${query}`).catch((err: unknown) => {
    if (err instanceof OpsError && / HTTP 404/.test(err.message))
      throw new OpsError(`no directory '${path}' in the sandbox of task '${sandbox.found.task.id}'`);
    throw err;
  });
  if (flags.json) io.write(json(entries));
  else if (entries.length > 0) io.write(`${formatColumns(lsRows(entries), LS_NUMERIC_COLUMNS)}\n`);
  return EXIT_OK;
}
