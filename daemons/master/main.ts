// `mesos master` / `mesos-master`: flags -> master core -> HTTP server on --port (5050).
import { serveProcessTls } from '../common/tls-server.ts';
import { mkdirSync, accessSync, constants } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { skipSyncsIfInMemory } from '../common/checkpoint.ts';
import { type LogHandle, createLogger } from '../common/log.ts';
import { refusedFlag } from '../common/refused-flags.ts';
import { type Addresses, StartupError, loadProgramFlags, resolveAddresses, runDaemon } from '../common/program.ts';
import { parseMinAllocatable } from '../common/resources.ts';
import { parseRoles } from '../common/roles.ts';
import { flushTurnWrites } from '../common/turn-writes.ts';
import { newUuid } from '../common/ids.ts';
import { formatZkUrl, groupZnode } from '../common/zk/url.ts';
import { configureMasterServer, followerRequestListener, masterRequestListener } from './http-app.ts';
import { type HaMode, haMode } from './ha-flags.ts';
import { Leadership } from './leadership.ts';
import { authorizerFromFlags as authorizerOf } from '../common/authorizer/from-flags.ts';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';
import { authGate, startupAuth } from '../common/http-auth.ts';
import { type MasterFlags, loadMasterFlags, masterFlagDefs } from './flags.ts';
import { type MasterAuth, masterAuthFromFlags } from './http-auth.ts';
import { type RateLimitsConfig, rateLimitsProblem } from './rate-limits.ts';
import { Master, type MasterConfig, masterInfoOf } from './master.ts';
import { Registry } from './registry.ts';
import { StateJsonWarmer } from './state-warmer.ts';

export interface RunningMaster {
  /** The master core; behind ZooKeeper, only once this master leads. */
  readonly master: Master | undefined;
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

const BUILD_TIME = Date.now();

/** The refused flags (common/refused-flags.ts) that the master implements (http-auth.ts). */
const AUTHENTICATION_FLAGS = ['authenticate_frameworks', 'authenticate_agents', 'authenticate_http_frameworks', 'credentials'];

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

/** The local authorizer of --acls, or none without ACLs; bad ACLs or another authorizer stop the master. */
function authorizerFromFlags(flags: MasterFlags): LocalAuthorizer | undefined {
  const authorizer = authorizerOf('authorizers', flags.authorizers, flags.acls);
  if (!authorizer.ok) throw new StartupError(authorizer.error);
  return authorizer.value;
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

/**
 * Where the registry lives (with --zk, the history it keeps locally: a directory of its own, so
 * that a master moved behind ZooKeeper never reads its standalone agents back); on tmpfs its
 * writes are not fsynced (the kernel would do nothing).
 */
function registryDir(workDir: string, log: LogHandle, name = 'registry'): string {
  const dir = path.resolve(workDir);
  if (skipSyncsIfInMemory(dir))
    log.logger.info(
      `--work_dir=${workDir} is in memory (tmpfs): the registry does not outlive this machine, and its writes are not fsynced`,
    );
  return path.join(dir, name);
}

function masterConfig(flags: MasterFlags, addr: Addresses): MasterConfig {
  return {
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
    maxOperatorEventStreamSubscribers: flags.max_operator_event_stream_subscribers,
    rateLimits: checkedRateLimits(flags.rate_limits as RateLimitsConfig | undefined),
    heartbeatIntervalSecs: 15,
    authorizer: authorizerFromFlags(flags),
  };
}

async function openRegistry(flags: MasterFlags, config: MasterConfig, log: LogHandle): Promise<Registry> {
  try {
    return await Registry.open(
      flags.registry === 'in_memory' ? undefined : registryDir(flags.work_dir!, log),
      { maxCompletedFrameworks: config.maxCompletedFrameworks, maxCompletedTasksPerFramework: config.maxCompletedTasksPerFramework },
      log.logger,
    );
  } catch (err) {
    throw new StartupError(`cannot recover the registry: ${(err as Error).message}`);
  }
}

/** Listens on the flags' address; the port the kernel gave (for --port=0). */
async function listen(server: http.Server, addr: Addresses): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the address is already in use (another master running? pick --port)' : err.message;
      reject(new StartupError(`cannot listen on ${addr.bindIp}:${addr.port}: ${why}`));
    });
    server.listen(addr.port, addr.bindIp, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** The core and what runs beside it, once this master leads. */
interface Leading {
  master: Master;
  registry: Registry;
  warmer: StateJsonWarmer;
}

function lead(config: MasterConfig, registry: Registry, log: LogHandle): Leading {
  const master = new Master(config, log.logger, registry);
  master.start();
  const warmer = new StateJsonWarmer(master);
  warmer.start();
  return { master, registry, warmer };
}

async function stopLeading(leading: Leading): Promise<void> {
  leading.warmer.stop();
  leading.master.stop();
  await leading.registry.flushed();
}

/** Closes the server once the writes of this turn are out. */
async function closeServer(server: http.Server): Promise<void> {
  // Writes batched for the end of this turn (turn-writes.ts) go out before the sockets close.
  flushTurnWrites();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Starts a master from loaded flags (also used in-process by `mesos local`). */
export async function startMaster(flags: MasterFlags, raw: Record<string, string>, log: LogHandle): Promise<RunningMaster> {
  const refused = refusedFlag(raw, AUTHENTICATION_FLAGS);
  if (refused) throw new StartupError(refused);
  const auth = startupAuth(masterAuthFromFlags(flags), log.logger);
  const mode = haMode(flags);
  if (!mode.ok) throw new StartupError(mode.error);
  checkRolesFlag(flags.roles);
  checkWorkDir(flags);
  const addr = resolveAddresses(flags);
  const config = masterConfig(flags, addr);
  if (mode.value.kind === 'zk') return startCandidate(flags, raw, log, config, addr, mode.value, auth);

  const registry = await openRegistry(flags, config, log);
  const master = new Master(config, log.logger, registry);
  const server = http.createServer(masterRequestListener({ master, flags: raw, logFile: log.file, buildTime: BUILD_TIME }, auth));
  serveProcessTls(server);
  configureMasterServer(server);
  const port = await listen(server, addr);
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
      await stopLeading({ master, registry, warmer });
      await closeServer(server);
    },
  };
}

type ZkMode = Extract<HaMode, { kind: 'zk' }>;

/**
 * A master behind ZooKeeper (Master::initialize with a ZooKeeper contender and detector): it
 * serves HTTP as a follower at once, contends, and recovers the registry and leads once
 * elected. Losing leadership is fatal (Master::lostCandidacy, Master::detected).
 */
async function startCandidate(
  flags: MasterFlags,
  raw: Record<string, string>,
  log: LogHandle,
  config: MasterConfig,
  addr: Addresses,
  mode: ZkMode,
  auth: MasterAuth | undefined,
): Promise<RunningMaster> {
  const startTime = Date.now();
  config.id = newUuid();
  config.startedAt = startTime;
  let leadership: Leadership | undefined;
  let leading: Leading | undefined;
  let recovering = false;
  let dead = false;
  const follower = followerRequestListener({
    flags: raw,
    logFile: log.file,
    buildTime: BUILD_TIME,
    startTime,
    leader: () => leadership?.leader,
    recovering: () => recovering,
    authorizer: config.authorizer,
  });
  let handler: http.RequestListener = follower;
  // A follower's answers (redirects, its flags and state) are guarded as the leader's are.
  const authenticated = authGate(auth);
  const server = http.createServer((req, res) => {
    // Nothing is served by a master that stopped leading, nor by one that cannot know yet.
    if (dead || leadership?.stalled()) {
      req.socket.destroy();
      return;
    }
    if (!authenticated(req, res)) return;
    handler(req, res);
  });
  serveProcessTls(server);
  configureMasterServer(server);
  const port = await listen(server, addr);
  if (config.port === 0) config.port = port;
  const info = masterInfoOf(config, config.id);
  // Mesos's EXIT(EXIT_FAILURE): nothing more is served or sent at once; the process ends once
  // its znode is gone (the next leader need not wait for the session to time out) and the log
  // file has the line, or after a second.
  const fatal = (line: string) => {
    if (dead) return;
    dead = true;
    log.logger.error(line);
    if (leading) {
      leading.warmer.stop();
      leading.master.stop();
    }
    const done = Promise.all([leadership?.close(), log.close()]);
    void Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000))]).then(() => process.exit(1));
  };
  leadership = new Leadership({ url: mode.url, sessionTimeoutMs: mode.sessionTimeoutMs, info, log: log.logger });
  // Why is in the log already (the contender's or the stall check's line).
  leadership.on('lost', () => fatal('Lost candidacy as a leader... committing suicide!'));
  const onFenced = (reason: string) => {
    log.logger.warn(`Lost leadership: ${reason}`);
    fatal('Lost candidacy as a leader... committing suicide!');
  };
  leadership.on('elected', (candidacy, session) => {
    recovering = true;
    log.logger.info('Elected as the leading master!');
    const limits = {
      maxCompletedFrameworks: config.maxCompletedFrameworks,
      maxCompletedTasksPerFramework: config.maxCompletedTasksPerFramework,
    };
    const recovered =
      mode.registry === 'in_memory'
        ? Promise.resolve(Registry.memory(limits, log.logger))
        : Registry.openZk({
            session,
            group: groupZnode(mode.url),
            candidacyPath: candidacy.path,
            // The history (completed frameworks and tasks) stays on this master's disk.
            localDir: registryDir(flags.work_dir!, log, 'registry-history'),
            limits,
            log: log.logger,
            onFenced,
          });
    recovered.then(
      (registry) => {
        if (dead) return;
        leading = lead(config, registry, log);
        const leaderListener = masterRequestListener({ master: leading.master, flags: raw, logFile: log.file, buildTime: BUILD_TIME });
        handler = leaderListener;
        recovering = false;
        log.logger.info(`Master ${config.id} (${config.hostname}) leads, advertised as ${info.pid}`);
      },
      (err: Error) => fatal(`Recovery failed: ${err.message}`),
    );
  });
  log.logger.info(
    `Master ${config.id} (${config.hostname}) started on ${addr.bindIp}:${port}, advertised as ${info.pid}${config.cluster ? ` for cluster '${config.cluster}'` : ''}; contending for leadership in ${formatZkUrl(mode.url)}`,
  );
  leadership.start();
  return {
    get master() {
      return leading?.master;
    },
    server,
    port,
    close: async () => {
      dead = true;
      if (leading) await stopLeading(leading);
      await leadership.close();
      await closeServer(server);
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
