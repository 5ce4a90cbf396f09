// `mesos agent` / `mesos-agent` / `mesos-slave`: flags -> resources -> containerizers (task
// supervisor, Docker) -> recovery of the checkpointed runs -> HTTP server on --port (5051) ->
// registration with --master.
import { serveProcessTls } from '../common/tls-server.ts';
import {
  constants,
  accessSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { skipSyncsIfInMemory } from '../common/checkpoint.ts';
import { AttachedPaths, attachDaemonLog } from '../common/files.ts';
import { LeadingMaster, endpointText, masterSourceText, parseMasterFlag } from '../common/leading-master.ts';
import { type LogHandle, createLogger } from '../common/log.ts';
import { batchWritesPerTurn, flushTurnWrites } from '../common/turn-writes.ts';
import type { Attribute, Resource } from '../common/mesos.ts';
import { StartupError, loadProgramFlags, resolveAddresses, runDaemon } from '../common/program.ts';
import { AttributeError, parseAttributes } from '../common/attributes.ts';
import { ResourceError } from '../common/resources.ts';
import { refusedFlag } from '../common/refused-flags.ts';
import { basicAuthorization } from '../common/basic-auth.ts';
import { readCredentialFile } from '../common/credentials.ts';
import { authorizerFromFlags } from '../common/authorizer/from-flags.ts';
import { authGate, startupAuth } from '../common/http-auth.ts';
import { agentAuthFromFlags } from './http-auth.ts';
import { executorIdentityFromFlags } from './executor-identity.ts';
import Docker from 'dockerode';
import { Agent } from './agent.ts';
import type { Containerizers, FoundContainer } from './containerizer/containerizer.ts';
import { DockerContainerizer } from './containerizer/docker.ts';
import { DockerUnavailableError, checkDockerVersion, dockerEndpoint } from './containerizer/docker-version.ts';
import { MesosContainerizer } from './containerizer/mesos.ts';
import {
  type Checkpoints,
  type RecoveredState,
  checkpointBootId,
  readBootId,
  readCheckpointedBootId,
  removeCheckpoints,
} from './checkpoints.ts';
import type { AgentFramework, ExecutorRecord } from './records.ts';
import { fileSystemOf, writeFailure } from '../common/disk-errors.ts';
import { applyRecovery } from './recovery.ts';
import { claimRuntimeDir } from './runtime-dir.ts';
import { SupervisorClient } from './supervisor/client.ts';
import type { ContainerState, ExitStatus } from './supervisor/protocol.ts';
import { type AgentFlags, agentFlagDefs, loadAgentFlags } from './flags.ts';
import { createAgentApp } from './http-app.ts';
import { MasterLink } from './master-link.ts';
import { ResourceMonitor, monitoredExecutors } from './monitor/monitor.ts';
import { scanProcesses, systemConstants } from './monitor/proc-scan.ts';
import { isolationFromFlags } from './isolation/setup.ts';
import { detectResources, mergeWithFlag } from './resources-detect.ts';
import { latestAgentLink, latestRunPaths, parseSandboxDir, runsWithSandbox } from './sandbox.ts';
import { SandboxGc, diskUsage, finishedSandboxes } from './sandbox-gc.ts';

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
    throw new StartupError(
      `--work_dir=${dir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it or pick another`,
    );
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

export function defaultRuntimeDir(): string {
  return process.getuid?.() === 0 ? '/var/run/mesos' : path.join(os.tmpdir(), 'mesos', 'runtime');
}

/**
 * Connects to the task supervisor and recovers what the previous run of this agent left:
 * checkpointed frameworks and tasks, matched with the processes the supervisor still has and the
 * agent's Docker containers. With --recover=cleanup it kills those and discards the checkpoints.
 */
async function recover(
  agent: Agent,
  supervisor: SupervisorClient,
  mesos: MesosContainerizer,
  docker: DockerContainerizer | undefined,
  opts: { cleanup: boolean; strict: boolean },
  log: LogHandle,
): Promise<void> {
  const { cleanup, strict } = opts;
  const early: Array<[string, ExitStatus]> = [];
  let ready = false;
  // Exits carry the limit a container's cgroups ran into, read before its cgroups go.
  const withLimits = (c: ContainerState): ContainerState => (c.exit ? { ...c, exit: mesos.exitOf(c.id, c.exit) } : c);
  supervisor.onExit = (id, exit) => (ready ? agent.containerExited(id, mesos.exitOf(id, exit)) : early.push([id, exit]));
  supervisor.onConnected = () => {
    if (ready)
      supervisor.list().then(
        (c) => agent.syncContainers(c.map(withLimits)),
        () => undefined,
      );
  };
  try {
    await supervisor.connect();
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  const workDir = agent.config.workDir;
  const bootNow = await readBootId();
  const bootThen = await readCheckpointedBootId(workDir);
  const previousId = recoverAgentId(workDir);
  if (cleanup) {
    const containers = await supervisor.list();
    const running = containers.filter((c) => !c.exit);
    log.logger.warn(
      `--recover=cleanup: killing ${running.length} task processes and discarding the checkpointed state of agent ${previousId ?? '(none)'}`,
    );
    for (const c of running) await supervisor.kill(c.id, 3000).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await supervisor.list()).some((c) => !c.exit)) await new Promise((r) => setTimeout(r, 100));
    for (const c of await supervisor.list()) await supervisor.forget(c.id);
    await mesos.recover([]); // no container is left: every cgroup under --cgroups_root goes
    if (docker) log.logger.warn(`--recover=cleanup: removed ${await docker.removeAll()} Docker containers`);
    await removeCheckpoints(workDir);
    forgetAgentId(workDir);
  } else {
    // Without checkpoints (a new work_dir, or a runtime_dir taken over from a gone agent) every
    // container found is an orphan, as in Mesos's containerizer recovery.
    if (previousId) agent.setId(previousId);
    const state = previousId
      ? await agent.checkpointed!.read(agent.config.maxCompletedExecutorsPerFramework)
      : { frameworks: [], problems: [], corrupt: [] };
    if (previousId) await judgeRunsLog(state, agent.checkpointed!, strict, log);
    const supervised = await supervisor.list();
    const containers: FoundContainer[] = supervised.map((c) => ({ ...withLimits(c), containerizer: 'mesos' }));
    if (docker) {
      const found = await docker.list().catch((err: unknown) => {
        throw new StartupError(`cannot list the Docker containers of this agent: ${(err as Error).message}`);
      });
      containers.push(...found.map((c): FoundContainer => ({ ...c, containerizer: 'docker' })));
    }
    const rebooted = bootThen !== undefined && bootNow !== undefined && bootThen !== bootNow;
    const sandboxes = previousId ? runsWithSandbox(workDir, previousId) : new Set<string>();
    const s = applyRecovery(agent, state, containers, { rebooted, sandboxes }, log.logger);
    for (const p of s.problems) log.logger.error(`Recovery: ${p}`);
    const orphanCgroups = await mesos.recover(supervised);
    if (orphanCgroups.length > 0)
      log.logger.warn(`Recovery: removed the cgroups of ${orphanCgroups.length} unknown containers: ${orphanCgroups.join(', ')}`);
    if (previousId) {
      log.logger.info(
        `Recovered agent ${previousId}: ${s.frameworks} frameworks, ${s.running} running tasks re-attached, ${s.endedWhileDown} ended while the agent was down, ${s.relaunched} launched now, ${s.lost} lost, ${s.orphansKilled} orphan containers killed, ${s.unreadable} left running whose run could not be read${rebooted ? ' (the host rebooted)' : ''}`,
      );
    }
  }
  if (bootNow) await checkpointBootId(workDir, bootNow);
  ready = true;
  for (const [id, exit] of early) agent.containerExited(id, mesos.exitOf(id, exit));
}

/** File system errors that stop an agent from starting, and what each asks of the operator. */
const FS_ERRORS: Record<string, (fs: string) => string> = {
  ENOSPC: (fs) => `${fs} is full: free some space there`,
  EDQUOT: (fs) => `the disk quota on ${fs} is exhausted: free some space or raise the quota`,
  EIO: (fs) => `${fs} reports an I/O error: check its disk`,
  EROFS: (fs) => `${fs} is read-only: remount it read-write`,
  EACCES: () => 'permission denied: run the agent as a user that may write there',
};

/** A failure to start as one line: a file system error names --work_dir and what to do. */
export function fileSystemStartupError(err: unknown, workDir: string): unknown {
  if (err instanceof StartupError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const advice = code ? FS_ERRORS[code] : undefined;
  if (!advice) return err;
  return new StartupError(
    `cannot recover the agent's state under --work_dir=${workDir}: ${(err as Error).message}; ${advice(fileSystemOf(workDir))}`,
  );
}

/**
 * What recovery makes of a damaged runs.log: a torn end was cut off (said here); other damage
 * stops a --strict agent, and a --no-strict one has the damaged records removed once skipped.
 */
async function judgeRunsLog(state: RecoveredState, checkpoints: Checkpoints, strict: boolean, log: LogHandle): Promise<void> {
  const runsLog = checkpoints.paths.runsLog;
  if (state.truncated) log.logger.warn(`Recovery: ${state.truncated}`);
  if (state.unreadable && strict) throw new StartupError(strictRefusal(state.unreadable, runsLog));
  if (state.corrupt.length === 0) return;
  const more = state.corrupt.length > 1 ? ` (and ${state.corrupt.length - 1} more)` : '';
  if (strict) throw new StartupError(strictRefusal(`corrupt checkpoint record at ${state.corrupt[0]}${more}`, runsLog));
  await checkpoints.dropDamaged().then(
    () => log.logger.warn(`Recovery: --no-strict: ${state.corrupt.length} damaged records skipped and removed from ${runsLog}`),
    (err: unknown) =>
      log.logger.error(`Recovery: --no-strict: cannot rewrite ${runsLog} without its damaged records: ${(err as Error).message}`),
  );
}

/** Why a --strict agent does not start, and the two ways on. */
export function strictRefusal(problem: string, runsLog: string): string {
  return `${problem}: refusing to recover with --strict; run the agent with --no-strict to recover what can be read, or move ${runsLog} away (its tasks then go on unfollowed)`;
}

/** With docker in --containerizers: the daemon must answer and be recent enough, or the agent does not start. */
async function connectDocker(flags: AgentFlags, log: LogHandle): Promise<Docker> {
  try {
    const endpoint = dockerEndpoint(flags);
    const client = new Docker(endpoint.options);
    const v = await checkDockerVersion(client, endpoint, flags.docker_min_version);
    log.logger.info(`Docker ${v.Version} (API ${v.ApiVersion}) at ${endpoint.where}`);
    return client;
  } catch (err) {
    if (err instanceof DockerUnavailableError) throw new StartupError(err.message);
    throw err;
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

/** The Authorization header the agent's --credential makes (HTTP Basic), or undefined without one. */
function credentialAuthorization(file: string | undefined, log: LogHandle): string | undefined {
  if (file === undefined) return undefined;
  const read = readCredentialFile(file);
  if (!read.ok) throw new StartupError(read.error);
  if (read.value.warning) log.logger.warn(read.value.warning);
  log.logger.info(`Authenticating with the master as principal '${read.value.value.principal}' (--credential)`);
  return basicAuthorization(read.value.value.principal, read.value.value.secret);
}

/** The real path of <work_dir>/slaves (made now when missing). */
function realSlavesDir(workDir: string): string {
  const dir = path.join(workDir, 'slaves');
  mkdirSync(dir, { recursive: true });
  return realpathSync(dir);
}

/** Starts an agent from loaded flags (also used in-process by `mesos local`). */
export async function startAgent(flags: AgentFlags, raw: Record<string, string>, log: LogHandle): Promise<RunningAgent> {
  if (!flags.master)
    throw new StartupError(
      "Missing required option '--master' (host:port of the master, e.g. --master=127.0.0.1:5050, or zk://host:2181/mesos)",
    );
  const refused = refusedFlag(raw, ['credential']);
  if (refused) throw new StartupError(refused);
  // Before anything is started: an isolator that cannot be had stops the agent with nothing to undo.
  const isolation = isolationFromFlags(flags, (await systemConstants()).ticksPerSecond, log.logger);
  if (!isolation.ok) throw new StartupError(isolation.error);
  const authorization = credentialAuthorization(flags.credential, log);
  const httpAuth = startupAuth(agentAuthFromFlags(flags), log.logger);
  const authorizer = authorizerFromFlags('authorizer', flags.authorizer, flags.acls);
  if (!authorizer.ok) throw new StartupError(authorizer.error);
  const source = parseMasterFlag(flags.master, (p) => readFileSync(p, 'utf8'));
  if (!source.ok) throw new StartupError(`invalid value for flag '--master': ${source.error}`);
  const leading = new LeadingMaster(source.value, { sessionTimeoutMs: flags.zk_session_timeout * 1000, log: log.logger });
  const workDir = path.resolve(flags.work_dir ?? defaultWorkDir());
  prepareWorkDir(workDir);
  if (skipSyncsIfInMemory(workDir))
    log.logger.info(
      `--work_dir=${workDir} is in memory (tmpfs): checkpoints do not outlive this machine, and their writes are not fsynced`,
    );
  const executorIdentity = executorIdentityFromFlags(flags, workDir, (m) => log.logger.warn(m));
  if (!executorIdentity.ok) throw new StartupError(executorIdentity.error);
  const detected = await detectResources(workDir);
  const resources = agentResources(flags, detected);
  const attributes = agentAttributes(flags);
  const addr = resolveAddresses(flags);
  const containerizers = flags.containerizers
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

  const runtimeDir = path.resolve(flags.runtime_dir ?? defaultRuntimeDir());
  const dockerClient = containerizers.includes('docker') ? await connectDocker(flags, log) : undefined;
  await claimRuntimeDir(runtimeDir, workDir, (message) => log.logger.warn(message));
  log.logger.info(isolation.value.summary);
  const supervisor = new SupervisorClient(runtimeDir, flags.recovery_timeout, log.logger);
  const docker =
    dockerClient &&
    new DockerContainerizer(dockerClient, {
      workDir,
      stateDir: path.join(runtimeDir, 'docker'),
      mappedSandbox: flags.sandbox_directory,
      stopTimeoutSecs: flags.docker_stop_timeout,
      removeDelayMs: flags.docker_remove_delay * 1000,
      killOrphans: flags.docker_kill_orphans,
      dockerConfig: flags.docker_config,
      log: log.logger,
    });
  const mesos = new MesosContainerizer(supervisor, isolation.value.isolator);
  const runners: Containerizers = { mesos, ...(docker ? { docker } : {}) };
  const agent = new Agent(
    {
      workDir,
      executorIdentity: executorIdentity.value,
      maxEventStreamBufferBytes: flags.max_event_stream_buffer_size,
      hostname: addr.hostname,
      ip: addr.advertiseIp,
      port: addr.advertisePort,
      resources,
      attributes,
      switchUser: flags.switch_user,
      containerizers,
      executorShutdownGraceSecs: flags.executor_shutdown_grace_period,
      executorRegistrationTimeoutSecs: flags.executor_registration_timeout,
      executorEnvironment: flags.executor_environment_variables as Record<string, string> | undefined,
      executorReregistrationTimeoutSecs: flags.executor_reregistration_timeout,
      recoveryTimeoutSecs: flags.recovery_timeout,
      maxCompletedExecutorsPerFramework: flags.max_completed_executors_per_framework,
      maxCompletedFrameworks: 50,
      fetcher: {
        cacheDir: path.resolve(flags.fetcher_cache_dir ?? path.join(os.tmpdir(), 'mesos', 'fetch')),
        cacheSizeBytes: flags.fetcher_cache_size,
        frameworksHome: flags.frameworks_home || undefined,
        stallTimeoutMs: flags.fetcher_stall_timeout * 1000,
      },
    },
    log.logger,
    runners,
  );
  if (docker) docker.onExit = (id, exit) => agent.containerExited(id, exit);
  try {
    await recover(agent, supervisor, mesos, docker, { cleanup: flags.recover === 'cleanup', strict: flags.strict }, log);
  } catch (err) {
    // An agent that cannot start exits, for systemd's restart policy to apply: nothing of it may
    // keep the process alive.
    supervisor.close();
    await docker?.close();
    await agent.checkpointed?.close().catch(() => undefined);
    throw fileSystemStartupError(err, workDir);
  }

  const files = new AttachedPaths();
  attachDaemonLog(files, '/slave/log', flags.external_log_file, log.file);
  const ctx = { agent, flags: { ...raw, work_dir: workDir }, buildTime: BUILD_TIME };
  const monitor = new ResourceMonitor({
    executors: () => monitoredExecutors(agent.frameworks.values()),
    pids: (name, ids) => runners[name]?.pids(ids) ?? Promise.resolve(new Map()),
    scan: () => scanProcesses(),
    system: systemConstants,
    cgroupUsage: (id) => mesos.usage(id),
  });
  // The sandboxes' paths as /files resolves them (real paths), for access_sandboxes.
  const access = authorizer.value && { authorizer: authorizer.value, slavesDir: realSlavesDir(workDir) };
  const app = createAgentApp(ctx, files, monitor, access);
  const authenticated = authGate(httpAuth);
  const server = http.createServer((req, res) => {
    if (authenticated(req, res)) app(req, res);
  });
  serveProcessTls(server);
  server.keepAliveTimeout = 65_000;
  server.on('connection', batchWritesPerTurn);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use (another agent running? pick --port)' : err.message;
      reject(new StartupError(`cannot listen on ${addr.bindIp}:${addr.port}: ${why}`));
    });
    server.listen(addr.port, addr.bindIp, () => resolve());
  }).catch(async (err: unknown) => {
    supervisor.close();
    await docker?.close();
    await agent.checkpointed?.close().catch(() => undefined);
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  if (agent.config.port === 0) agent.config.port = port;
  agent.customExecutors.serving();

  // Every sandbox is browsable through /files under its real path (all of <work_dir>/slaves is
  // attached), and under the paths of its executor's latest run (latestRunPaths): the recovered
  // ones now, new ones as they are made. Going through all of them on every launch would make
  // each launch cost more the more runs the agent holds.
  const attachSandbox = (fw: AgentFramework, ex: ExecutorRecord) => {
    if (agent.id) for (const p of latestRunPaths(workDir, agent.id, fw.id, ex.id)) files.attach(ex.directory, p);
  };
  for (const fw of agent.frameworks.values()) for (const ex of fw.executors.values()) attachSandbox(fw, ex);
  agent.onExecutorAdded = attachSandbox;
  files.attach(path.join(workDir, 'slaves'));

  // Finished sandboxes go after --gc_delay (sooner when the disk fills): those of this run as
  // their executors end, those left by earlier runs by their age.
  const gc = new SandboxGc({
    delayMs: flags.gc_delay * 1000,
    headroom: flags.gc_disk_headroom,
    diskUsage: () => diskUsage(workDir),
    removed: (dir) => {
      const run = parseSandboxDir(dir);
      if (run) for (const p of latestRunPaths(workDir, run.agentId, run.frameworkId, run.executorId)) files.detach(p, dir);
      void agent.checkpointed
        ?.forget(dir)
        .catch((err: unknown) => log.logger.warn(`Failed to forget the checkpoints of ${dir}: ${(err as Error).message}`));
    },
    warn: (message) => log.logger.warn(message),
  });
  agent.onExecutorCompleted = (_fw, ex) => gc.schedule(ex.directory);
  // A launch short of space has finished sandboxes collected first, as their age allows at the
  // disk's usage now (all of them on a full disk, as with Mesos's --gc_disk_headroom).
  agent.diskSpace.freeUp = async () => {
    const removed = await gc.prune();
    if (removed.length > 0) log.logger.warn(`--work_dir=${workDir} is short of space: removed ${removed.length} finished sandboxes`);
    return removed.length;
  };
  const inUse = new Set<string>();
  for (const fw of agent.frameworks.values()) for (const ex of fw.executors.values()) inUse.add(ex.directory);
  gc.start(flags.disk_watch_interval * 1000);
  // In the background: a work_dir of many old runs must not hold up the agent's start.
  void finishedSandboxes(workDir, inUse).then((found) => {
    for (const { dir, at } of found) gc.schedule(dir, at);
    return gc.prune();
  });

  const link = new MasterLink(
    leading.current,
    {
      registration: () => agent.registration(),
      registered: (agentId, masterId, reregistered) => {
        if (agent.id !== agentId) {
          agent.setId(agentId);
          try {
            checkpointAgentId(workDir, agentId, { hostname: agent.config.hostname, port: agent.config.port });
          } catch (err) {
            // The agent serves on; a restart before this is written registers as a new agent.
            log.logger.error(writeFailure(`Failed to checkpoint the agent id ${agentId}`, workDir, err));
          }
        }
        const at = link.master ? endpointText(link.master) : '?';
        agent.masterHostname = link.master?.host;
        log.logger.info(`${reregistered ? 'Re-registered' : 'Registered'} with master ${masterId} at ${at} as agent ${agentId}`);
        agent.statusUpdates.resendAll();
      },
      message: (msg) => {
        agent.handle(msg);
      },
      shutdown: (message) => {
        log.logger.warn(`The master asked this agent to shut down: ${message}. Killing its tasks and registering again as a new agent.`);
        agent.reset();
        void removeCheckpoints(workDir);
        forgetAgentId(workDir);
      },
    },
    log.logger,
    flags.registration_backoff_factor * 1000,
    authorization,
  );
  agent.attach(link);
  link.start();
  // Slave::detected: a new leader is registered with at once; none leading, the agent waits.
  leading.on('leader', (endpoint) => link.follow(endpoint));
  leading.start();
  log.logger.info(
    `Agent started on ${addr.bindIp}:${port} as ${agent.pid} (${addr.hostname}); work_dir ${workDir}; master ${masterSourceText(source.value)}`,
  );
  return {
    agent,
    link,
    server,
    port,
    close: async (killTasks = false) => {
      link.stop();
      await leading.close();
      await agent.statusUpdates.flushed();
      agent.statusUpdates.stop();
      if (killTasks) {
        await supervisor.shutdown(agent.config.executorShutdownGraceSecs * 1000);
        await mesos.recover([]); // the tasks are gone: so are their cgroups
        await docker?.stopAll(agent.config.executorShutdownGraceSecs * 1000);
      } else supervisor.close();
      await docker?.close();
      // Writes batched for the end of this turn (turn-writes.ts) go out before the sockets close.
      flushTurnWrites();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.checkpointed?.close();
    },
  };
}

export async function runAgent(argv: string[], progName: string): Promise<number> {
  const usage = `--master=HOST:PORT|zk://HOST:PORT,.../PATH [options]\n\nStarts a Mesos agent that offers this machine's resources to the master: the one at HOST:PORT, or the leader the masters elect in ZooKeeper, followed when leadership changes (the agent re-registers with the new leader and keeps its tasks). Every option can also be set as an environment variable MESOS_<OPTION> (e.g. MESOS_master=master.example.com:5050).`;
  const res = loadProgramFlags(progName, usage, agentFlagDefs, () =>
    loadAgentFlags({ argv, env: process.env, progName, runtimeDefaults: { work_dir: defaultWorkDir() } }),
  );
  if (!res.ok) return res.exitCode;
  const { values: flags, raw } = res.loaded;
  const log = createLogger({
    name: 'agent',
    fileName: 'mesos-agent',
    level: flags.logging_level as 'INFO',
    quiet: flags.quiet,
    logDir: flags.log_dir,
  });
  return runDaemon(
    progName,
    log,
    () => startAgent(flags, raw, log),
    async (running) => {
      // As with Mesos, tasks keep running: a restarted agent recovers them.
      log.logger.info('Agent shutting down; its tasks keep running under the task supervisor');
      await running.close(false);
    },
  );
}
