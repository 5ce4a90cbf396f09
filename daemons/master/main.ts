// `mesos master` / `mesos-master`: flags -> master core -> HTTP server on --port (5050).
import { mkdirSync, accessSync, constants } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { skipSyncsIfInMemory } from '../common/checkpoint.ts';
import { type LogHandle, createLogger } from '../common/log.ts';
import { refusedFlag } from '../common/refused-flags.ts';
import { StartupError, loadProgramFlags, resolveAddresses, runDaemon } from '../common/program.ts';
import { parseMinAllocatable } from '../common/resources.ts';
import { parseRoles } from '../common/roles.ts';
import { flushTurnWrites } from '../common/turn-writes.ts';
import { configureMasterServer, masterRequestListener } from './http-app.ts';
import { type MasterFlags, loadMasterFlags, masterFlagDefs } from './flags.ts';
import { type RateLimitsConfig, rateLimitsProblem } from './rate-limits.ts';
import { Master, type MasterConfig } from './master.ts';
import { Registry } from './registry.ts';
import { StateJsonWarmer } from './state-warmer.ts';

export interface RunningMaster {
  master: Master;
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

const BUILD_TIME = Date.now();

function parseWeights(text: string | undefined): Map<string, number> {
  const weights = new Map<string, number>();
  if (!text) return weights;
  for (const part of text.split(',')) {
    const [role, w] = part.split('=');
    const value = Number(w);
    if (!role || !Number.isFinite(value) || value <= 0) {
      throw new StartupError(`invalid value '${text}' for flag '--weights': expected role1=weight1,role2=weight2 with positive weights`);
    }
    weights.set(role.trim(), value);
  }
  return weights;
}

/** `--roles` has no effect here, but as in Mesos (Master::initialize) it must list valid roles. */
function checkRolesFlag(text: string | undefined): void {
  if (text === undefined) return;
  const parsed = parseRoles(text);
  if (!parsed.ok) throw new StartupError(`invalid value '${text}' for flag '--roles': ${parsed.error}`);
}

function checkedRateLimits(config: RateLimitsConfig | undefined): RateLimitsConfig | undefined {
  const problem = config && rateLimitsProblem(config);
  if (problem) throw new StartupError(`invalid value for flag '--rate_limits': ${problem}`);
  return config;
}

function checkWorkDir(flags: MasterFlags): void {
  if (flags.registry === 'in_memory') return;
  const dir = flags.work_dir;
  if (!dir) {
    throw new StartupError(
      '--work_dir is required: the master keeps its registry there; pass --work_dir=/var/lib/mesos (or --registry=in_memory for a throwaway master)',
    );
  }
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new StartupError(
      `--work_dir=${dir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it or pick another`,
    );
  }
}

/** Where the registry lives; on tmpfs its writes are not fsynced (the kernel would do nothing). */
function registryDir(workDir: string, log: LogHandle): string {
  const dir = path.resolve(workDir);
  if (skipSyncsIfInMemory(dir))
    log.logger.info(
      `--work_dir=${workDir} is in memory (tmpfs): the registry does not outlive this machine, and its writes are not fsynced`,
    );
  return path.join(dir, 'registry');
}

/** Starts a master from loaded flags (also used in-process by `mesos local`). */
export async function startMaster(flags: MasterFlags, raw: Record<string, string>, log: LogHandle): Promise<RunningMaster> {
  if (flags.zk) {
    throw new StartupError(`--zk=${flags.zk}: ZooKeeper leader election is not supported yet; run a single master without --zk`);
  }
  const refused = refusedFlag(raw);
  if (refused) throw new StartupError(refused);
  checkRolesFlag(flags.roles);
  checkWorkDir(flags);
  const addr = resolveAddresses(flags);
  const config: MasterConfig = {
    hostname: addr.hostname,
    ip: addr.advertiseIp,
    port: addr.advertisePort,
    cluster: flags.cluster,
    allocationIntervalSecs: flags.allocation_interval,
    agentPingTimeoutSecs: flags.agent_ping_timeout,
    maxAgentPingTimeouts: flags.max_agent_ping_timeouts,
    agentReregisterTimeoutSecs: flags.agent_reregister_timeout,
    registryMaxAgentAgeSecs: flags.registry_max_agent_age,
    registryMaxAgentCount: flags.registry_max_agent_count,
    maxCompletedFrameworks: flags.max_completed_frameworks,
    maxCompletedTasksPerFramework: flags.max_completed_tasks_per_framework,
    maxUnreachableTasksPerFramework: flags.max_unreachable_tasks_per_framework,
    offerTimeoutSecs: flags.offer_timeout,
    minAllocatable: parseMinAllocatable(flags.min_allocatable_resources),
    weights: parseWeights(flags.weights),
    maxEventStreamBufferBytes: flags.max_event_stream_buffer_size,
    rateLimits: checkedRateLimits(flags.rate_limits as RateLimitsConfig | undefined),
    heartbeatIntervalSecs: 15,
  };
  let registry: Registry;
  try {
    registry = await Registry.open(
      flags.registry === 'in_memory' ? undefined : registryDir(flags.work_dir!, log),
      { maxCompletedFrameworks: config.maxCompletedFrameworks, maxCompletedTasksPerFramework: config.maxCompletedTasksPerFramework },
      log.logger,
    );
  } catch (err) {
    throw new StartupError(`cannot recover the registry: ${(err as Error).message}`);
  }
  const master = new Master(config, log.logger, registry);
  const server = http.createServer(masterRequestListener({ master, flags: raw, logFile: log.file, buildTime: BUILD_TIME }));
  configureMasterServer(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use (another master running? pick --port)' : err.message;
      reject(new StartupError(`cannot listen on ${addr.bindIp}:${addr.port}: ${why}`));
    });
    server.listen(addr.port, addr.bindIp, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (config.port === 0) {
    // --port=0 (tests): advertise the port the kernel picked.
    config.port = port;
    master.info.port = port;
    master.info.pid = `master@${config.ip}:${port}`;
    if (master.info.address) master.info.address.port = port;
  }
  master.start();
  const warmer = new StateJsonWarmer(master);
  warmer.start();
  log.logger.info(
    `Master ${master.id} (${config.hostname}) started on ${addr.bindIp}:${port}, advertised as ${master.info.pid}${config.cluster ? ` for cluster '${config.cluster}'` : ''}`,
  );
  return {
    master,
    server,
    port,
    close: async () => {
      warmer.stop();
      master.stop();
      await registry.flushed();
      // Writes batched for the end of this turn (turn-writes.ts) go out before the sockets close.
      flushTurnWrites();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function runMaster(argv: string[], progName: string): Promise<number> {
  const usage = `[options]\n\nStarts a Mesos master. Every option can also be set as an environment variable MESOS_<OPTION> (e.g. MESOS_PORT=5050 or MESOS_port=5050).`;
  const res = loadProgramFlags(progName, usage, masterFlagDefs, () => loadMasterFlags({ argv, env: process.env, progName }));
  if (!res.ok) return res.exitCode;
  const { values: flags, raw } = res.loaded;
  const log = createLogger({
    name: 'master',
    fileName: 'mesos-master',
    level: flags.logging_level as 'INFO',
    quiet: flags.quiet,
    logDir: flags.log_dir,
  });
  return runDaemon(
    progName,
    log,
    () => startMaster(flags, raw, log),
    async (running) => {
      log.logger.info('Master shutting down');
      await running.close();
    },
  );
}
