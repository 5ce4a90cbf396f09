// The day-2 subcommands of `mesos` (task list, task kill, agent list, framework list, state, ps,
// cat, tail, ls): their flags, short options and positional arguments, and the parsing of a command line
// into them. Pure: the bash completion test and --help read the same table.
import { FlagError, type FlagDef, type FlagValues, formatHelp, loadFlags } from '../../common/flags/index.ts';
import { versionLine } from '../../common/version.ts';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

const commonFlagDefs = [
  {
    name: 'master',
    type: 'string',
    help: 'The master: HOST:PORT, zk://HOST:PORT,.../PATH (the leader found in ZooKeeper), or file:///path holding either. Also read from MESOS_MASTER.',
  },
  { name: 'json', type: 'bool', default: 'false', help: 'Print JSON for scripts instead of a table or text.' },
  { name: 'principal', type: 'string', help: 'Principal to authenticate as (HTTP basic authentication, with --secret).' },
  { name: 'secret', type: 'string', help: 'Secret of --principal.' },
  {
    name: 'timeout',
    type: 'duration',
    default: '10secs',
    help: 'How long to wait for each HTTP request, and for ZooKeeper to name a leader.',
  },
] as const satisfies readonly FlagDef[];

const allFlag = { name: 'all', type: 'bool', default: 'false', help: 'Also list what is not running (-a).' } as const;
const frameworkFlag = {
  name: 'framework',
  type: 'string',
  help: "ID of the task's framework (needed only when the task ID is in several).",
} as const;
const taskFlag = { name: 'task', type: 'string', help: 'ID of the task (matched exactly); or give it as the first argument.' } as const;

const listFlagDefs = [...commonFlagDefs, allFlag] as const satisfies readonly FlagDef[];
const plainFlagDefs = [...commonFlagDefs] as const satisfies readonly FlagDef[];
const catFlagDefs = [
  ...commonFlagDefs,
  frameworkFlag,
  taskFlag,
  { name: 'file', type: 'string', help: 'File to print, relative to the sandbox (e.g. stdout); or give it as the second argument.' },
] as const satisfies readonly FlagDef[];
const tailFlagDefs = [
  ...commonFlagDefs,
  frameworkFlag,
  taskFlag,
  { name: 'file', type: 'string', default: 'stdout', help: 'File to print, relative to the sandbox; or give it as the second argument.' },
  { name: 'lines', type: 'int', default: '10', help: 'Print the last N lines (-n N).', schema: { minimum: 0 } },
  { name: 'follow', type: 'bool', default: 'false', help: 'Keep printing what is appended to the file until interrupted (-f).' },
  {
    name: 'interval',
    type: 'duration',
    default: '500ms',
    help: 'With --follow, how long to wait before reading again once the end of the file is reached.',
    schema: { minimum: 0.01 },
  },
] as const satisfies readonly FlagDef[];
const killFlagDefs = [...commonFlagDefs, frameworkFlag, taskFlag] as const satisfies readonly FlagDef[];
const lsFlagDefs = [
  ...commonFlagDefs,
  frameworkFlag,
  taskFlag,
  { name: 'path', type: 'string', default: '', help: 'Directory to list, relative to the sandbox; or give it as the second argument.' },
] as const satisfies readonly FlagDef[];

export type ListFlags = FlagValues<typeof listFlagDefs>;
export type CommonFlags = FlagValues<typeof commonFlagDefs>;
export type CatFlags = FlagValues<typeof catFlagDefs>;
export type TailFlags = FlagValues<typeof tailFlagDefs>;
export type LsFlags = FlagValues<typeof lsFlagDefs>;
export type KillFlags = FlagValues<typeof killFlagDefs>;

export interface OpsCommand {
  /** The words after `mesos`: ['task', 'list']. */
  words: readonly string[];
  summary: string;
  /** What follows the command in the usage line, and what it does. */
  usage: string;
  defs: readonly FlagDef[];
  /** Single-dash options and the flag each stands for. */
  short: Readonly<Record<string, string>>;
  /** Flags the positional arguments stand for, in order. */
  positional: readonly string[];
}

const EXIT_CODES = `With LIBPROCESS_SSL_ENABLED=true (and LIBPROCESS_SSL_CERT_FILE, _KEY_FILE, _CA_FILE...) it speaks
HTTPS to the master and the agents, as the daemons do.
Exit codes: 0 success, 1 error (the message names the problem), 2 usage error.`;

export const OPS_COMMANDS: readonly OpsCommand[] = [
  {
    words: ['task', 'list'],
    summary: 'List the running tasks (--all: every task) with ID, State, Framework ID, Executor ID',
    usage:
      '[--all] [options]\n\nLists the running tasks of the cluster, as the Mesos CLI does; --all also lists tasks that are not running.',
    defs: listFlagDefs,
    short: { '-a': 'all' },
    positional: [],
  },
  {
    words: ['task', 'kill'],
    summary: "Kill a task through its agent's operator API (KILL_CONTAINER); it ends TASK_KILLED",
    usage:
      "--task=TASK [--framework=ID] [options]\n   or: mesos task kill TASK [options]\n\nKills a running task: finds its agent and container in the master's and the agent's state, then\nsends SIGKILL to that container with the agent's KILL_CONTAINER (POST /api/v1 on the agent, with\n--principal/--secret; under --acls the principal needs kill_nested_containers for a task group's\ntask, kill_standalone_containers for others). A task sharing a custom executor's container with\nother live tasks is refused. With --json: one object with framework_id, task_id, agent_id and\ncontainer_id.",
    defs: killFlagDefs,
    short: {},
    positional: ['task'],
  },
  {
    words: ['agent', 'list'],
    summary: 'List the agents with Agent ID, Hostname, Active',
    usage: '[options]\n\nLists the agents registered with the master, as the Mesos CLI does.',
    defs: plainFlagDefs,
    short: {},
    positional: [],
  },
  {
    words: ['framework', 'list'],
    summary: 'List the active frameworks (--all: every one) with ID, Active, Hostname, Name',
    usage: '[--all] [options]\n\nLists the active frameworks; --all also lists inactive and completed ones.',
    defs: listFlagDefs,
    short: { '-a': 'all' },
    positional: [],
  },
  {
    words: ['state'],
    summary: "Print the master's state (/master/state) as indented JSON",
    usage: "[options]\n\nPrints the master's /master/state, indented (with --json: on one line).",
    defs: plainFlagDefs,
    short: {},
    positional: [],
  },
  {
    words: ['ps'],
    summary: 'List the active tasks with their user, framework, agent, memory, CPU time and CPUs (mesos-ps)',
    usage:
      "[options]\n\nLists the active tasks as mesos-ps did: USER FRAMEWORK TASK SLAVE MEM TIME CPU (allocated). MEM,\nTIME and CPU come from each agent's /monitor/statistics; they stay empty when an agent does not answer.",
    defs: plainFlagDefs,
    short: {},
    positional: [],
  },
  {
    words: ['cat'],
    summary: "Print a file of a task's sandbox (mesos-cat)",
    usage:
      "--task=TASK --file=FILE [--framework=ID] [options]\n   or: mesos cat TASK FILE [options]\n\nPrints a file of the task's sandbox, read from its agent's /files/read. With --json: one object\nwith framework_id, task_id, agent_id, path and data.",
    defs: catFlagDefs,
    short: {},
    positional: ['task', 'file'],
  },
  {
    words: ['tail'],
    summary: "Print the end of a file of a task's sandbox; -f follows it (mesos-tail)",
    usage:
      '[-f] [-n N] --task=TASK [--file=stdout] [--framework=ID] [options]\n   or: mesos tail [-f] [-n N] TASK [FILE] [options]\n\nPrints the last N lines of a file of the task\'s sandbox; with -f, then what is appended to it,\nread every --interval, until interrupted (exit 130 on Ctrl-C). With --json: one line per read,\n{"offset": BYTES, "data": TEXT}.',
    defs: tailFlagDefs,
    short: { '-f': 'follow', '-n': 'lines' },
    positional: ['task', 'file'],
  },
  {
    words: ['ls'],
    summary: "List a directory of a task's sandbox",
    usage:
      "--task=TASK [--path=DIR] [--framework=ID] [options]\n   or: mesos ls TASK [DIR] [options]\n\nLists a directory of the task's sandbox (its root by default) as ls -l does: mode, links, user,\ngroup, size, modification time (UTC), name. With --json: the agent's /files/browse entries.",
    defs: lsFlagDefs,
    short: {},
    positional: ['task', 'path'],
  },
];

/** The command named by the first words of `args`, and the arguments after them. */
export function findOpsCommand(args: readonly string[]): { command: OpsCommand; rest: string[] } | undefined {
  for (const command of OPS_COMMANDS) {
    if (command.words.every((w, i) => args[i] === w)) return { command, rest: args.slice(command.words.length) };
  }
  return undefined;
}

/** The subcommands under a group word ('task' -> ['list']). */
export function subcommandsOf(word: string): string[] {
  return OPS_COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === word).map((c) => c.words[1]!);
}

export class UsageError extends Error {}

export type Parsed<T> = { kind: 'help'; text: string } | { kind: 'run'; flags: T };

/** `-n 5`, `-n5`, `-f`, `-a` as the flags they stand for; any other single-dash option is refused. */
export function expandShortOptions(argv: readonly string[], short: Readonly<Record<string, string>>, progName: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg.startsWith('--') || arg === '-h' || arg === '-') {
      out.push(arg);
      continue;
    }
    const letter = arg.slice(0, 2);
    const name = short[letter];
    if (name === undefined) {
      const known = Object.keys(short);
      throw new UsageError(
        `${progName}: unknown option '${arg}'${known.length > 0 ? ` (short options here: ${known.join(' ')})` : ''}; run '${progName} --help'`,
      );
    }
    if (name === 'lines') {
      const value = arg.length > 2 ? arg.slice(2) : argv[++i];
      if (value === undefined) throw new UsageError(`${progName}: option '-n' needs a number of lines, e.g. -n 20`);
      out.push(`--lines=${value}`);
    } else if (arg.length === 2) {
      out.push(`--${name}`);
    } else {
      throw new UsageError(`${progName}: option '${letter}' takes no value; write '${letter}' alone`);
    }
  }
  return out;
}

/** What `--help` prints for a command: usage, flags with defaults, and the exit codes. */
export function commandHelp(command: OpsCommand): string {
  const progName = `mesos ${command.words.join(' ')}`;
  const shorts = Object.entries(command.short);
  const shortText = shorts.length > 0 ? `\nShort options: ${shorts.map(([s, n]) => `${s} (--${n})`).join(', ')}.\n` : '';
  return `${formatHelp(progName, command.usage, command.defs)}${shortText}\n${EXIT_CODES}\n`;
}

/**
 * Parses a subcommand's arguments: flags (the command line, else MESOS_MASTER for --master),
 * short options and positional arguments. Throws UsageError with one line for what is wrong.
 */
export function parseOpsArgs<T>(
  command: OpsCommand,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Parsed<T> {
  const progName = `mesos ${command.words.join(' ')}`;
  const expanded = expandShortOptions(argv, command.short, progName);
  let loaded: ReturnType<typeof loadFlags<Record<string, unknown>>>;
  try {
    loaded = loadFlags<Record<string, unknown>>(command.defs, {
      argv: expanded,
      env: { MESOS_MASTER: env.MESOS_MASTER },
      prefix: 'MESOS_',
      progName,
    });
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(err.message);
    throw err;
  }
  if (loaded.help) return { kind: 'help', text: commandHelp(command) };
  if (loaded.version) return { kind: 'help', text: `${versionLine()}\n` };
  const values = { ...loaded.values };
  if (loaded.positional.length > command.positional.length) {
    const extra = loaded.positional[command.positional.length]!;
    const takes =
      command.positional.length === 0 ? 'takes no arguments' : `takes at most ${command.positional.map((p) => p.toUpperCase()).join(' ')}`;
    throw new UsageError(`${progName}: unexpected argument '${extra}': it ${takes}. Run '${progName} --help'`);
  }
  loaded.positional.forEach((value, i) => {
    const name = command.positional[i]!;
    if (expanded.some((a) => a.toLowerCase() === `--${name}` || a.toLowerCase().startsWith(`--${name}=`))) {
      throw new UsageError(`${progName}: ${name} given twice ('--${name}=${loaded.raw[name]}' and '${value}'); give it once`);
    }
    values[name] = value;
  });
  if (values.master === undefined || values.master === '') {
    throw new UsageError(`${progName}: no master given; pass --master=HOST:PORT (or zk://...) or set MESOS_MASTER`);
  }
  for (const name of command.positional) {
    const def = command.defs.find((d) => d.name === name)!;
    if (values[name] === undefined && def.default === undefined) {
      throw new UsageError(`${progName}: no ${name} given; pass --${name}=${name.toUpperCase()} or give it as an argument`);
    }
  }
  return { kind: 'run', flags: values as T };
}
