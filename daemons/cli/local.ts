// `mesos local`: a master and one agent in this process, in the foreground, as an unprivileged
// user — the quickest way to try the cluster (Apache Mesos ships the same idea as mesos-local).
import { processScheme } from '../common/tls-process.ts';
import os from 'node:os';
import path from 'node:path';
import { type AgentFlags, loadAgentFlags } from '../agent/flags.ts';
import { type RunningAgent, startAgent } from '../agent/main.ts';
import { loadFlags, type FlagDef, type FlagValues } from '../common/flags/index.ts';
import { createLogger } from '../common/log.ts';
import { StartupError, loadProgramFlags, waitForSignal } from '../common/program.ts';
import { type MasterFlags, loadMasterFlags } from '../master/flags.ts';
import { type RunningMaster, startMaster } from '../master/main.ts';

const localFlagDefs = [
  { name: 'ip', type: 'string', default: '127.0.0.1', help: 'IP address the master and the agent listen on.' },
  { name: 'port', type: 'int', default: '5050', help: 'Port of the master.', schema: { minimum: 0, maximum: 65535 } },
  { name: 'agent_port', type: 'int', default: '5051', help: 'Port of the agent.', schema: { minimum: 0, maximum: 65535 } },
  { name: 'work_dir', type: 'path', help: 'Directory for the master registry and agent sandboxes.', defaultHelp: '~/.mesos/local' },
  { name: 'resources', type: 'string', help: "The agent's resources, e.g. cpus:2;mem:2048 (detected when not given)." },
  { name: 'cluster', type: 'string', default: 'local', help: 'Cluster name shown in the web UI.' },
  { name: 'quiet', type: 'bool', default: 'false', help: 'Do not log to stderr.' },
] as const satisfies readonly FlagDef[];

type LocalFlags = FlagValues<typeof localFlagDefs>;

const USAGE = `[options]

Starts a single-node cluster (a master and one agent) in the foreground; Ctrl-C stops both.
Then, in another terminal: mesos execute --master=127.0.0.1:5050 --name=hello --command="echo hello"`;

export async function runLocal(argv: string[], progName: string): Promise<number> {
  const res = loadProgramFlags(progName, USAGE, localFlagDefs, () => loadFlags<LocalFlags>(localFlagDefs, { argv, env: {}, progName }));
  if (!res.ok) return res.exitCode;
  const f = res.loaded.values;
  const workDir = path.resolve(f.work_dir ?? path.join(os.homedir(), '.mesos', 'local'));
  const common = [`--ip=${f.ip}`, ...(f.quiet ? ['--quiet'] : [])];
  const masterLoaded = loadMasterFlags({
    argv: [...common, `--port=${f.port}`, `--work_dir=${path.join(workDir, 'master')}`, `--cluster=${f.cluster}`],
    env: {},
    progName,
  });
  const masterLog = createLogger({ name: 'master', fileName: 'mesos-master', quiet: f.quiet });
  const agentLog = createLogger({ name: 'agent', fileName: 'mesos-agent', quiet: f.quiet });
  let master: RunningMaster | undefined;
  let agent: RunningAgent | undefined;
  try {
    master = await startMaster(masterLoaded.values as MasterFlags, masterLoaded.raw, masterLog);
    const agentLoaded = loadAgentFlags({
      argv: [
        ...common,
        `--port=${f.agent_port}`,
        `--master=${f.ip}:${master.port}`,
        `--work_dir=${path.join(workDir, 'agent')}`,
        `--runtime_dir=${path.join(workDir, 'agent', 'run')}`,
        ...(f.resources ? [`--resources=${f.resources}`] : []),
      ],
      env: {},
      progName,
    });
    agent = await startAgent(agentLoaded.values as AgentFlags, agentLoaded.raw, agentLog);
  } catch (err) {
    await agent?.close();
    await master?.close();
    if (err instanceof StartupError) {
      process.stderr.write(`${progName}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  process.stderr.write(
    `Single-node cluster running: master ${processScheme()}://${f.ip}:${master.port} (web UI and API), agent ${f.ip}:${agent.port}, work_dir ${workDir}. Ctrl-C to stop.\n`,
  );
  const runningMaster = master;
  const runningAgent = agent;
  return waitForSignal(async () => {
    await runningAgent.close(true);
    await runningMaster.close();
  });
}
