// The Docker containerizer: DOCKER tasks run as containers of the local Docker daemon, through
// its Engine API (dockerode), named `mesos-<container id>` as Apache Mesos names them.
//
//   launch: image present? (else pull) -> create -> start -> follow: logs -> sandbox, wait -> exit
//   kill:   docker stop with the grace period     forget: remove after --docker_remove_delay
//   after an agent restart: list `mesos-*` containers -> reattach the ones recovered tasks own
//   (output resumes where it stopped; an exit that happened meanwhile keeps its status)
//
// Containers live in the daemon, not under the agent, so they outlive agent restarts by design.
import { rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { eachLimited } from '../../common/each-limited.ts';
import type { Logger } from 'pino';
import type { TaskContext } from '../launch-spec.ts';
import { taskVariables } from '../launch-spec.ts';
import type { ContainerState } from '../supervisor/protocol.ts';
import type { ContainerExit } from '../records.ts';
import type { Containerizer } from './containerizer.ts';
import { DockerConfigError, type RegistryAuth, authFor, credentialHelperFor, registryOf, sandboxDockerConfig } from './docker-auth.ts';
import { LogCopier } from './docker-logs.ts';
import {
  DockerSpecError,
  SANDBOX_LABEL,
  WORK_DIR_LABEL,
  containerIdOfName,
  containerName,
  dockerCreateOptions,
  dockerInfoOf,
  stopSeconds,
} from './docker-spec.ts';

export interface DockerContainerizerOptions {
  /** The agent's --work_dir: labels the containers this agent owns. */
  workDir: string;
  /** Where the containerizer keeps its own state (log positions), under --runtime_dir. */
  stateDir: string;
  /** --sandbox_directory: where the sandbox appears inside containers. */
  mappedSandbox: string;
  stopTimeoutSecs: number;
  removeDelayMs: number;
  /** --docker_kill_orphans: also remove `mesos-*` containers that carry no owner label. */
  killOrphans: boolean;
  /** --docker_config: registry credentials for pulls when the sandbox brings none. */
  dockerConfig?: unknown;
  log: Logger;
}

/** How long the log of a stopped container may stay silent before the rest is fetched at once. */
const LOG_SETTLE_MS = 2000;
const RETRY_MS = 1000;
/** Inspect requests in flight at once when the resource monitor asks for many containers' pids. */
const INSPECTS_IN_FLIGHT = 4;

interface Tracked {
  id: string;
  copier: LogCopier;
  abort: AbortController;
  /** The container ended and its output is being finished: the follow loop must stop. */
  ending: boolean;
}

type DockerError = Error & { statusCode?: number; json?: { message?: string } | null };

/** The daemon's own words for a failed request, without dockerode's "(HTTP code 500) server error - " prefix. */
export function daemonReason(err: unknown): string {
  const e = err as DockerError;
  const text = e.json?.message ?? e.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

function statusOf(err: unknown): number | undefined {
  return (err as DockerError).statusCode;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function exitOf(state: Docker.ContainerInspectInfo['State']): ContainerExit {
  const at = Date.parse(state.FinishedAt);
  return {
    code: state.ExitCode,
    signal: null,
    at: Number.isNaN(at) || at <= 0 ? Date.now() : at,
    ...(state.OOMKilled ? { oomKilled: true } : {}),
  };
}

export class DockerContainerizer implements Containerizer {
  /** Set by the agent: how exits reach it. */
  onExit: (containerId: string, exit: ContainerExit) => void = () => {};
  private readonly tracked = new Map<string, Tracked>();
  private readonly removals = new Map<string, NodeJS.Timeout>();
  /** Host pids of followed containers' first processes: fixed while a container runs, so inspected once. */
  private readonly pidCache = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly docker: Docker,
    private readonly opts: DockerContainerizerOptions,
  ) {
    mkdirSync(opts.stateDir, { recursive: true });
  }

  private positionFile(containerId: string): string {
    return path.join(this.opts.stateDir, `${containerId}.logpos`);
  }

  private copier(containerId: string, sandbox: string): LogCopier {
    const container = this.docker.getContainer(containerName(containerId));
    const open = ({ follow, since }: { follow: boolean; since: number }) =>
      follow
        ? (container.logs({ follow: true, stdout: true, stderr: true, timestamps: true, since }) as Promise<unknown> as Promise<Readable>)
        : container.logs({ follow: false, stdout: true, stderr: true, timestamps: true, since });
    return new LogCopier(open, sandbox, this.positionFile(containerId));
  }

  async launch(ctx: TaskContext): Promise<number> {
    const id = ctx.containerId;
    let create: Docker.ContainerCreateOptions;
    try {
      create = dockerCreateOptions({
        containerId: id,
        task: ctx.task,
        sandbox: ctx.sandbox,
        mappedSandbox: this.opts.mappedSandbox,
        env: taskVariables({ ...ctx, sandbox: this.opts.mappedSandbox }),
        labels: { [SANDBOX_LABEL]: ctx.sandbox, [WORK_DIR_LABEL]: this.opts.workDir },
      });
    } catch (err) {
      if (err instanceof DockerSpecError) throw new Error(`Failed to launch container: ${err.message}`);
      throw err;
    }
    const info = dockerInfoOf(ctx.task);
    await this.ensureImage(info.image, info.force_pull_image === true, ctx.sandbox);
    const copier = this.copier(id, ctx.sandbox);
    await copier.start();
    const container = await this.create(create);
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      await copier.close();
      throw new Error(`Failed to start container ${create.name}: ${daemonReason(err)}`);
    }
    this.track(id, copier);
    const inspected = await container.inspect().catch(() => undefined);
    if (inspected?.State.Running && inspected.State.Pid) this.pidCache.set(id, inspected.State.Pid);
    return inspected?.State.Pid ?? 0;
  }

  /** Pulls the image when it is not here yet, or always with force_pull_image. */
  private async ensureImage(image: string, force: boolean, sandbox: string): Promise<void> {
    if (!force) {
      try {
        await this.docker.getImage(image).inspect();
        return;
      } catch (err) {
        if (statusOf(err) !== 404) throw new Error(`Failed to inspect image '${image}': ${daemonReason(err)}`);
      }
    }
    const auth = this.registryAuth(image, sandbox);
    try {
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        // The credentials go as the 4th argument: in the options they would end up in the URL.
        this.docker.pull(image, {}, (err, s) => (err ? reject(err as Error) : resolve(s!)), auth);
      });
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
          const failed = err ?? output.find((o) => o.error);
          if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
          else resolve();
        });
      });
    } catch (err) {
      throw new Error(`Failed to pull image '${image}': ${daemonReason(err)}`);
    }
  }

  /** Credentials for pulling `image`: the sandbox's own Docker config first, then --docker_config. */
  private registryAuth(image: string, sandbox: string): RegistryAuth | undefined {
    let source: { name: string; config: unknown } | undefined;
    try {
      const own = sandboxDockerConfig(sandbox);
      source = own
        ? { name: own.file, config: own.config }
        : this.opts.dockerConfig !== undefined
          ? { name: '--docker_config', config: this.opts.dockerConfig }
          : undefined;
      const auth = source && authFor(source.config, image);
      if (auth) {
        this.opts.log.info(`Pulling Docker image ${image} with the credentials for ${registryOf(image)} in ${source!.name}`);
        return auth;
      }
    } catch (err) {
      if (err instanceof DockerConfigError)
        throw new Error(`Failed to pull image '${image}': ${source ? `${source.name}: ` : ''}${err.message}`);
      throw err;
    }
    const helper = source && credentialHelperFor(source.config, image);
    const note = helper
      ? ` (${source!.name} names the credential helper ${helper}, which this agent does not run; put the credentials in its auths)`
      : '';
    this.opts.log.info(`Pulling Docker image ${image} without registry credentials${note}`);
    return undefined;
  }

  /** Creates the container; one left over from a launch the agent did not finish is replaced. */
  private async create(opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(opts);
    } catch (err) {
      if (statusOf(err) !== 409) throw new Error(`Failed to create container ${opts.name}: ${daemonReason(err)}`);
    }
    const stale = this.docker.getContainer(opts.name!);
    const state = (await stale.inspect()).State;
    if (state.Status !== 'created')
      throw new Error(`Failed to create container ${opts.name}: a container of that name already ran (${state.Status})`);
    await stale.remove({ force: true });
    try {
      return await this.docker.createContainer(opts);
    } catch (err) {
      throw new Error(`Failed to create container ${opts.name}: ${daemonReason(err)}`);
    }
  }

  private track(containerId: string, copier: LogCopier): void {
    const t: Tracked = { id: containerId, copier, abort: new AbortController(), ending: false };
    this.tracked.set(containerId, t);
    void this.follow(t).catch((err: unknown) =>
      this.opts.log.error(`Lost track of container ${containerName(containerId)}: ${(err as Error).message}`),
    );
  }

  private async follow(t: Tracked): Promise<void> {
    const copying = this.copyOutput(t);
    const exit = await this.waitForExit(t);
    if (!exit) return; // the agent is shutting down; a restarted agent picks this up again
    this.pidCache.delete(t.id);
    // The log ends once the container stops and everything was delivered; a stream that goes
    // silent instead is cut, and what it did not deliver is fetched at once.
    t.ending = true;
    let settled = false;
    void copying.then(() => {
      settled = true;
    });
    while (!settled && Date.now() - t.copier.lastProgress < LOG_SETTLE_MS) await Promise.race([copying, sleep(100)]);
    t.copier.interrupt();
    await copying;
    await t.copier
      .copy(false)
      .catch((err: unknown) => this.opts.log.warn(`Could not copy the last output of ${containerName(t.id)}: ${daemonReason(err)}`));
    await t.copier.close();
    if (this.tracked.get(t.id) !== t || this.closed) return;
    this.tracked.delete(t.id);
    this.onExit(t.id, exit);
  }

  /** Follows the container's log into the sandbox, starting over where it broke off when the daemon hiccups. */
  private async copyOutput(t: Tracked): Promise<void> {
    let warned = false;
    while (!t.ending && !this.closed && !t.abort.signal.aborted) {
      try {
        await t.copier.copy(true);
        return;
      } catch (err) {
        if (t.ending || this.closed || t.abort.signal.aborted) return;
        if (!warned)
          this.opts.log.warn(
            `Following the output of ${containerName(t.id)} broke off (${daemonReason(err)}); retrying every ${RETRY_MS / 1000} s`,
          );
        warned = true;
        await sleep(RETRY_MS);
      }
    }
  }

  /** Waits for the container to stop; undefined when the wait was called off (agent shutdown, destroy). */
  private async waitForExit(t: Tracked): Promise<ContainerExit | undefined> {
    const container = this.docker.getContainer(containerName(t.id));
    let warned = false;
    for (;;) {
      if (t.abort.signal.aborted) return undefined;
      try {
        await container.wait({ abortSignal: t.abort.signal });
        const state = (await container.inspect()).State;
        if (!state.Running) return exitOf(state);
      } catch (err) {
        if (t.abort.signal.aborted) return undefined;
        if (statusOf(err) === 404) return { code: null, signal: null, unknown: true, at: Date.now() };
        if (!warned)
          this.opts.log.warn(
            `Waiting for ${containerName(t.id)} to stop failed (${daemonReason(err)}); retrying every ${RETRY_MS / 1000} s`,
          );
        warned = true;
        await sleep(RETRY_MS);
      }
    }
  }

  /** The first process (in the host's pid namespace) of each running container this agent follows. */
  async pids(containerIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const running = containerIds.filter((id) => this.tracked.get(id)?.ending === false);
    await eachLimited(running, INSPECTS_IN_FLIGHT, async (id) => {
      let pid = this.pidCache.get(id);
      if (pid === undefined) {
        const state = (
          await this.docker
            .getContainer(containerName(id))
            .inspect()
            .catch(() => undefined)
        )?.State;
        if (!state?.Running || !state.Pid || this.tracked.get(id)?.ending !== false) return;
        pid = state.Pid;
        this.pidCache.set(id, pid);
      }
      out.set(id, pid);
    });
    return out;
  }

  async kill(containerId: string, graceMs: number, signal?: NodeJS.Signals): Promise<void> {
    if (signal !== undefined) {
      try {
        await this.docker.getContainer(containerName(containerId)).kill({ signal });
      } catch (err) {
        // 404: gone; 409: not running. Either way its exit is (or was) reported.
        if (statusOf(err) === 404 || statusOf(err) === 409) return;
        throw new Error(`docker kill --signal ${signal} ${containerName(containerId)}: ${daemonReason(err)}`);
      }
      return;
    }
    try {
      await this.docker.getContainer(containerName(containerId)).stop({ t: stopSeconds(graceMs, this.opts.stopTimeoutSecs) });
    } catch (err) {
      // 304: already stopped; 404: already gone. Either way its exit is (or was) reported.
      if (statusOf(err) === 304 || statusOf(err) === 404) return;
      throw new Error(`docker stop ${containerName(containerId)}: ${daemonReason(err)}`);
    }
  }

  /** Removes the container --docker_remove_delay after it finished (at once when that passed already). */
  async forget(containerId: string): Promise<void> {
    if (this.removals.has(containerId) || this.tracked.has(containerId)) return;
    let finishedAt = Date.now();
    try {
      const at = Date.parse((await this.docker.getContainer(containerName(containerId)).inspect()).State.FinishedAt);
      if (!Number.isNaN(at) && at > 0) finishedAt = at;
    } catch (err) {
      if (statusOf(err) === 404) {
        await rm(this.positionFile(containerId), { force: true });
        return;
      }
    }
    const delay = Math.max(0, finishedAt + this.opts.removeDelayMs - Date.now());
    const timer = setTimeout(
      () => {
        this.removals.delete(containerId);
        void this.remove(containerId).catch((err: unknown) =>
          this.opts.log.warn(`Could not remove container ${containerName(containerId)}: ${(err as Error).message}`),
        );
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    timer.unref();
    this.removals.set(containerId, timer);
  }

  private async remove(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerName(containerId)).remove({ force: true, v: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw new Error(daemonReason(err));
    }
    await rm(this.positionFile(containerId), { force: true });
  }

  /** Stops (with --docker_stop_timeout) and removes a container no task owns. */
  async destroy(containerId: string): Promise<void> {
    const t = this.tracked.get(containerId);
    this.pidCache.delete(containerId);
    if (t) {
      this.tracked.delete(containerId);
      t.abort.abort();
      await t.copier.close();
    }
    await this.kill(containerId, 0).catch(() => undefined);
    await this.remove(containerId);
  }

  /**
   * This agent's `mesos-*` containers (by its work_dir label; with --docker_kill_orphans also
   * those without an owner label). Containers that were created but never started (the agent
   * died in between) are removed here: nothing ran in them, and the launch is retried.
   */
  async list(): Promise<ContainerState[]> {
    const states: ContainerState[] = [];
    for (const c of await this.docker.listContainers({ all: true })) {
      const id = c.Names.map(containerIdOfName).find((x) => x !== undefined);
      if (!id) continue;
      const owner = c.Labels?.[WORK_DIR_LABEL];
      if (owner !== undefined ? owner !== this.opts.workDir : !this.opts.killOrphans) continue;
      if (c.State === 'created') {
        await this.remove(id).catch(() => undefined);
        continue;
      }
      let info: Docker.ContainerInspectInfo;
      try {
        info = await this.docker.getContainer(c.Id).inspect();
      } catch {
        continue; // removed meanwhile
      }
      const s = info.State;
      const started = Date.parse(s.StartedAt);
      const running = s.Running || s.Paused || s.Restarting;
      states.push({ id, pid: s.Pid, launchedAt: Number.isNaN(started) ? 0 : started, ...(running ? {} : { exit: exitOf(s) }) });
    }
    return states;
  }

  /** After an agent restart: copy the output it missed, follow the rest, and report the exit. */
  async reattach(containerId: string, sandbox: string): Promise<void> {
    if (this.tracked.has(containerId)) return;
    const copier = this.copier(containerId, sandbox);
    await copier.resume();
    this.track(containerId, copier);
  }

  /** Stops every container of this agent and waits for them (an agent stopping with its tasks: `mesos local`). */
  async stopAll(graceMs: number): Promise<void> {
    const ours = await this.list();
    await Promise.all(ours.filter((c) => !c.exit).map((c) => this.kill(c.id, graceMs).catch(() => undefined)));
  }

  /** Removes every container of this agent, running or not (`--recover=cleanup`). */
  async removeAll(): Promise<number> {
    const ours = await this.list();
    for (const c of ours) await this.destroy(c.id);
    return ours.length;
  }

  /** The agent stops: stop following (the containers go on); removals wait for the next agent. */
  async close(): Promise<void> {
    this.closed = true;
    this.pidCache.clear();
    for (const timer of this.removals.values()) clearTimeout(timer);
    this.removals.clear();
    const tracked = [...this.tracked.values()];
    this.tracked.clear();
    for (const t of tracked) {
      t.abort.abort();
      await t.copier.close();
    }
  }
}
