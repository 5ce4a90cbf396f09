// The `mesos` command: picks the program from the name it was invoked by (busybox style:
// mesos-master, mesos-agent, mesos-slave, mesos-execute, mesos-resolve, mesos-local) or from its
// first word.
import path from 'node:path';
import { versionLine } from '../common/version.ts';
import { EXIT_USAGE, OPS_COMMANDS, findOpsCommand, subcommandsOf } from './ops/commands-spec.ts';

type Program = (argv: string[], progName: string) => Promise<number>;

interface Command {
  summary: string;
  load: () => Promise<Program>;
}

const COMMANDS: Record<string, Command> = {
  master: { summary: 'Run a Mesos master', load: async () => (await import('../master/main.ts')).runMaster },
  agent: { summary: 'Run a Mesos agent', load: async () => (await import('../agent/main.ts')).runAgent },
  execute: { summary: 'Run one command as a task on the cluster', load: async () => (await import('./execute.ts')).runExecute },
  resolve: { summary: "Print the leading master's ip:port (from zk://...)", load: async () => (await import('./resolve.ts')).runResolve },
  local: {
    summary: 'Run a single-node cluster (master + agent) in the foreground',
    load: async () => (await import('./local.ts')).runLocal,
  },
};

/** Programs the agent starts itself; dispatchable, not listed in the usage. */
const INTERNAL: Record<string, Command> = {
  supervisor: {
    summary: "The agent's task supervisor",
    load: async () => (await import('../agent/supervisor/supervisor.ts')).runSupervisor,
  },
};

/** Names the binary may be invoked by, and the command each one runs. */
const INVOKED_AS: Record<string, string> = {
  'mesos-master': 'master',
  'mesos-agent': 'agent',
  'mesos-slave': 'agent',
  'mesos-execute': 'execute',
  'mesos-resolve': 'resolve',
  'mesos-local': 'local',
};

function usage(): string {
  const opsNames = OPS_COMMANDS.map((c) => c.words.join(' '));
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length), ...opsNames.map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  const opsLines = OPS_COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`);
  return `Usage: mesos <command> [OPTIONS]

Available commands:
  ${'help'.padEnd(width)}  Show this message, or 'mesos help <command>' for a command's options
${lines.join('\n')}
  ${'slave'.padEnd(width)}  Deprecated name of 'agent'

Commands for operators (--master=HOST:PORT or MESOS_MASTER, --json, --principal/--secret):
${opsLines.join('\n')}

'mesos --version' prints the version. The binary also runs as mesos-master, mesos-agent,
mesos-slave, mesos-execute and mesos-resolve when invoked by those names.
`;
}

/** The command the name this process was invoked by stands for (mesos-slave: agent), if it is a busybox name. */
export function invokedCommand(argv0: string, script: string | undefined): string | undefined {
  for (const candidate of [argv0, script ?? '']) {
    const base = path.basename(candidate);
    if (Object.hasOwn(INVOKED_AS, base)) return INVOKED_AS[base];
  }
  return undefined;
}

export async function dispatch(invoked: string | undefined, invokedName: string, args: string[]): Promise<number> {
  if (invoked) {
    const program = await COMMANDS[invoked]!.load();
    return program(args, invokedName);
  }
  const [first, ...rest] = args;
  if (first === undefined) {
    process.stderr.write(usage());
    return 1;
  }
  if (first === '--version') {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  if (first === 'help') {
    if (rest.length === 0) {
      process.stdout.write(usage());
      return 0;
    }
    return dispatch(undefined, 'mesos', [...rest, '--help']);
  }
  if (first.startsWith('-')) {
    process.stderr.write(`Not expecting '${first}' before command\n\n${usage()}`);
    return 1;
  }
  const ops = findOpsCommand(args);
  if (ops) return (await import('./ops/run.ts')).runOps(ops.command, ops.rest);
  const group = subcommandsOf(first);
  if (group.length > 0 && !Object.hasOwn(COMMANDS, first)) {
    const asked = rest[0] === undefined || rest[0].startsWith('-') ? '' : `'${rest[0]}' is not a subcommand of 'mesos ${first}'; `;
    process.stderr.write(`mesos ${first}: ${asked}use ${group.map((g) => `'mesos ${first} ${g}'`).join(', ')}\n`);
    return EXIT_USAGE;
  }
  let name = first;
  if (name === 'slave') {
    process.stderr.write("mesos: 'mesos slave' is deprecated; use 'mesos agent'\n");
    name = 'agent';
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : Object.hasOwn(INTERNAL, name) ? INTERNAL[name] : undefined;
  if (!command) {
    process.stderr.write(`'${first}' is not a valid command (or cannot be found)\n\n${usage()}`);
    return 1;
  }
  const program = await command.load();
  return program(rest, `mesos ${name}`);
}
