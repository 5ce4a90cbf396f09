// `mesos agent` / `mesos-agent` / `mesos-slave`: flags -> resources -> HTTP server on --port
// (5051) -> registration with --master.
import { constants, accessSync, mkdirSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AttachedPaths } from '../common/files.ts';
import { MasterAddressError, parseMasterAddress } from '../common/http-client.ts';
import { type LogHandle, createLogger } from '../common/log.ts';
import type { Attribute, Resource } from '../common/mesos.ts';
import { StartupError, loadProgramFlags, resolveAddresses, waitForSignal } from '../common/program.ts';
import { AttributeError, parseAttributes } from '../common/attributes.ts';
import { ResourceError } from '../common/resources.ts';
import { Agent } from './agent.ts';
import { type AgentFlags, agentFlagDefs, loadAgentFlags } from './flags.ts';
import { createAgentApp } from './http-app.ts';
import { MasterLink } from './master-link.ts';
import { detectResources, mergeWithFlag } from './resources-detect.ts';
import { latestAgentLink, latestRunVirtualPath } from './sandbox.ts';

const BUILD_TIME = Date.now();

export interface RunningAgent {
  agent: Agent;
  link: MasterLink;
  server: http.Server;
  port: number;
  close(killTasks?: boolean): Promise<void>;
}

export function defaultWorkDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/mesos' : path.join(os.homedir(), '.mesos', 'work');
}

function prepareWorkDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new StartupError(`--work_dir=${dir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it or pick another`);
  }
}

/** The agent id this work_dir belongs to (meta/slaves/latest), if it registered before. */
function recoverAgentId(workDir: string): string | undefined {
  try {
    return readlinkSync(latestAgentLink(workDir)) || undefined;
  } catch {
    return undefined;
  }
}

function checkpointAgentId(workDir: string, agentId: string, info: object): void {
  const link = latestAgentLink(workDir);
  const dir = path.join(path.dirname(link), agentId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'slave.info'), JSON.stringify(info));
  const tmp = `${link}.tmp`;
  try {
    symlinkSync(agentId, tmp);
  } catch {
    // A stale temporary link from a crash: replace it.
    renameSync(tmp, `${tmp}.old`);
    symlinkSync(agentId, tmp);
  }
  renameSync(tmp, link);
}

function forgetAgentId(workDir: string): void {
  try {
    renameSync(latestAgentLink(workDir), `${latestAgentLink(workDir)}.removed`);
  } catch {
    // nothing to forget
  }
}

function agentResources(flags: AgentFlags, detected: Resource[]): Resource[] {
  if (!flags.resources) return detected;
  try {
    return mergeWithFlag(detected, flags.resources);
  } catch (err) {
    if (err instanceof ResourceError) throw new StartupError(`invalid value for flag '--resources': ${err.message}`);
    throw err;
  }
}

function agentAttributes(flags: AgentFlags): Attribute[] {
  if (!flags.attributes) return [];
  try {
    return parseAttributes(flags.attributes);
  } catch (err) {
    if (err instanceof AttributeError) throw new StartupError(`invalid value for flag '--attributes': ${err.message}`);
    throw err;
  }
}

/** Starts an agent from loaded flags (also used in-process by `mesos local`). */
export async function startAgent(flags: AgentFlags, raw: Record<string, string>, log: LogHandle): Promise<RunningAgent> {
  if (!flags.master) throw new StartupError("Missing required option '--master' (host:port of the master, e.g. --master=127.0.0.1:5050)");
  let masterEndpoint: ReturnType<typeof parseMasterAddress>;
  try {
    masterEndpoint = parseMasterAddress(flags.master);
  } catch (err) {
    if (err instanceof MasterAddressError) throw new StartupError(`invalid value for flag '--master': ${err.message}`);
    throw err;
  }
  const workDir = path.resolve(flags.work_dir ?? defaultWorkDir());
  prepareWorkDir(workDir);
  const detected = await detectResources(workDir);
  const resources = agentResources(flags, detected);
  const attributes = agentAttributes(flags);
  const addr = resolveAddresses(flags);
  const containerizers = flags.containerizers.split(',').map((c) => c.trim()).filter(Boolean);

  const agent = new Agent(
    {
      workDir,
      hostname: addr.hostname,
      ip: addr.advertiseIp,
      port: addr.advertisePort,
      resources,
      attributes,
      switchUser: flags.switch_user,
      containerizers,
      executorShutdownGraceSecs: flags.executor_shutdown_grace_period,
      maxCompletedExecutorsPerFramework: 150,
      maxCompletedFrameworks: 50,
    },
    log.logger,
  );
  agent.id = recoverAgentId(workDir);

  const files = new AttachedPaths();
  if (log.file) files.attach(log.file, '/slave/log');
  const ctx = { agent, flags: { ...raw, work_dir: workDir }, buildTime: BUILD_TIME };
  const server = http.createServer(createAgentApp(ctx, files));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use (another agent running? pick --port)' : err.message;
      reject(new StartupError(`cannot listen on ${addr.bindIp}:${addr.port}: ${why}`));
    });
    server.listen(addr.port, addr.bindIp, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (agent.config.port === 0) agent.config.port = port;

  // Sandboxes become browsable through /files as they are created.
  const attachSandboxes = () => {
    for (const fw of agent.frameworks.values()) {
      for (const ex of fw.executors.values()) {
        files.attach(ex.directory);
        if (agent.id) files.attach(ex.directory, latestRunVirtualPath(agent.id, fw.id, ex.id));
      }
    }
  };
  files.attach(path.join(workDir, 'slaves'));

  const link = new MasterLink(
    masterEndpoint,
    {
      registration: () => agent.registration(),
      registered: (agentId, masterId, reregistered) => {
        if (agent.id !== agentId) {
          agent.id = agentId;
          checkpointAgentId(workDir, agentId, { hostname: agent.config.hostname, port: agent.config.port });
        }
        agent.masterHostname = masterEndpoint.host;
        log.logger.info(`${reregistered ? 'Re-registered' : 'Registered'} with master ${masterId} at ${masterEndpoint.host}:${masterEndpoint.port} as agent ${agentId}`);
        agent.statusUpdates.resendAll();
      },
      message: (msg) => {
        agent.handle(msg);
        if (msg.type === 'RUN_TASK' || msg.type === 'RUN_TASK_GROUP') attachSandboxes();
      },
      shutdown: (message) => {
        log.logger.warn(`The master asked this agent to shut down: ${message}. Killing its tasks and registering again as a new agent.`);
        void agent.killAll(agent.config.executorShutdownGraceSecs * 1000);
        forgetAgentId(workDir);
        agent.id = undefined;
      },
    },
    log.logger,
    flags.registration_backoff_factor * 1000,
  );
  agent.attach(link);
  link.start();
  log.logger.info(`Agent started on ${addr.bindIp}:${port} as ${agent.pid} (${addr.hostname}); work_dir ${workDir}; master ${masterEndpoint.host}:${masterEndpoint.port}`);
  return {
    agent,
    link,
    server,
    port,
    close: async (killTasks = true) => {
      link.stop();
      if (killTasks) await agent.killAll(1000);
      agent.statusUpdates.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function runAgent(argv: string[], progName: string): Promise<number> {
  const usage = `Usage: ${progName} --master=HOST:PORT [options]\n\nStarts a Mesos agent that offers this machine's resources to the master. Every option can also be set as an environment variable MESOS_<OPTION> (e.g. MESOS_master=master.example.com:5050).`;
  const res = loadProgramFlags(progName, usage, agentFlagDefs, () =>
    loadAgentFlags({ argv, env: process.env, progName, runtimeDefaults: { work_dir: defaultWorkDir() } }),
  );
  if (!res.ok) return res.exitCode;
  const { values: flags, raw } = res.loaded;
  const log = createLogger({ name: 'agent', fileName: 'mesos-agent', level: flags.logging_level as 'INFO', quiet: flags.quiet, logDir: flags.log_dir });
  let running: RunningAgent;
  try {
    running = await startAgent(flags, raw, log);
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`${progName}: ${err.message}\n`);
      await log.close();
      return 1;
    }
    throw err;
  }
  return waitForSignal(async () => {
    log.logger.info('Agent shutting down; stopping its tasks');
    await running.close(true);
    await log.close();
  });
}
