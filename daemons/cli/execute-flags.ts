// `mesos execute` (mesos-execute) flags: Apache Mesos names and defaults (src/cli/execute.cpp), our
// own short help. Like Mesos, mesos-execute reads flags from the command line only, not MESOS_*.
// Rules between flags (--task vs --name, --command with --shell) are checked by the program.
import { loadFlags } from '../common/flags/index.ts';
import type { FlagDef, FlagValues, LoadOptions, Loaded } from '../common/flags/index.ts';

const JSON_OBJECT = { type: 'object' } as const;

export const executeFlagDefs = [
  {
    name: 'master',
    type: 'string',
    required: true,
    help: 'The master: IP:PORT, or zk://host1:port1,host2:port2/path (the leader in ZooKeeper, followed as it changes), or file:///path holding either.',
  },
  { name: 'name', type: 'string', help: 'Name and ID of the task (needed unless --task or --task_group is given).' },
  { name: 'command', type: 'string', help: 'Command to run (needed with --shell, the default).' },
  {
    name: 'shell',
    type: 'bool',
    default: 'true',
    help: 'Run --command through /bin/sh -c; with --no-shell it is run as an executable.',
  },
  {
    name: 'env',
    type: 'json',
    help: 'Environment of the command as a JSON object of strings, inline or file:///path.',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  },
  {
    name: 'resources',
    type: 'string',
    default: 'cpus:1;mem:128',
    help: 'Resources for the task, e.g. cpus:0.5;mem:64;ports:[31000-31001].',
  },
  { name: 'task', type: 'json', help: 'A whole TaskInfo as JSON, inline or file:///path.', schema: JSON_OBJECT },
  {
    name: 'task_group',
    type: 'json',
    help: 'A TaskGroupInfo as JSON, inline or file:///path, launched with the default executor.',
    schema: { type: 'object', required: ['tasks'] },
  },
  { name: 'docker_image', type: 'string', help: 'Docker image to run the command in, e.g. busybox:latest.' },
  { name: 'appc_image', type: 'string', help: 'Appc image to run the command in (Mesos containerizer only).' },
  {
    name: 'containerizer',
    type: 'string',
    default: 'mesos',
    help: 'Containerizer for --docker_image.',
    schema: { enum: ['mesos', 'docker'] },
  },
  { name: 'checkpoint', type: 'bool', default: 'false', help: 'Let the task survive agent restarts (framework checkpointing).' },
  {
    name: 'framework_capabilities',
    type: 'string',
    help: 'Comma-separated extra framework capabilities; RESERVATION_REFINEMENT and TASK_KILLING_STATE are always on.',
  },
  { name: 'partition_aware', type: 'bool', default: 'true', help: 'Register with the PARTITION_AWARE capability.' },
  { name: 'role', type: 'string', default: '*', help: 'Role to register with.' },
  { name: 'principal', type: 'string', help: 'Principal for framework authentication.' },
  { name: 'secret', type: 'string', help: 'Secret for framework authentication.' },
  { name: 'kill_after', type: 'duration', help: 'Kill the task this long after it starts running, e.g. 10secs.' },
  { name: 'networks', type: 'string', help: 'Comma-separated CNI networks to join, e.g. net1,net2.' },
  {
    name: 'volumes',
    type: 'json',
    help: 'Volumes as a JSON array of Volume, inline or file:///path.',
    schema: { type: 'array', items: JSON_OBJECT },
  },
  {
    name: 'content_type',
    type: 'string',
    default: 'json',
    help: 'Encoding used with the scheduler API. JSON by default (Mesos: protobuf): every master takes both, and JSON spares this command loading the schema.',
    schema: { enum: ['json', 'protobuf'] },
  },
  { name: 'tty', type: 'bool', default: 'false', help: 'Attach a TTY to the task.' },
  {
    name: 'effective_capabilities',
    type: 'json',
    help: 'Linux capabilities of the task, as JSON {"capabilities": [...]}.',
    schema: JSON_OBJECT,
  },
  {
    name: 'bounding_capabilities',
    type: 'json',
    help: 'Linux capabilities the task may ever hold, as JSON {"capabilities": [...]}.',
    schema: JSON_OBJECT,
  },
  { name: 'rlimits', type: 'json', help: 'Resource limits as JSON {"rlimits": [{"type": "RLMT_CPU", ...}]}.', schema: JSON_OBJECT },
  { name: 'package', type: 'string', help: 'Local package to upload to HDFS and fetch into the sandbox (needs --hadoop).' },
  { name: 'hadoop', type: 'string', default: 'hadoop', help: "Path of the 'hadoop' script used to upload --package." },
  { name: 'hdfs', type: 'string', default: 'localhost:9000', help: 'HDFS NameNode address (host:port) for --package.' },
  { name: 'overwrite', type: 'bool', default: 'false', help: 'Replace --package in HDFS if it already exists.' },
] as const satisfies readonly FlagDef[];

export type ExecuteFlags = FlagValues<typeof executeFlagDefs>;

/** Loads mesos-execute flags from the command line (Mesos reads no environment here). */
export function loadExecuteFlags(opts: Omit<LoadOptions, 'prefix' | 'env'>): Loaded<ExecuteFlags> {
  return loadFlags<ExecuteFlags>(executeFlagDefs, { ...opts, env: {} });
}
