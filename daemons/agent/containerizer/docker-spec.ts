// What a DOCKER task's container looks like (pure): the Docker Engine API create request that
// matches what Apache Mesos's docker containerizer passes to `docker run` for the same TaskInfo —
// entrypoint and command, network, port mappings, volumes, environment, cpu shares, memory.
import type Docker from 'dockerode';
import path from 'node:path';
import type { mesos, Resource, TaskInfo } from '../../common/mesos.ts';
import { ranges, scalar } from '../../common/resources.ts';

type DockerInfo = mesos.v1.ContainerInfo.DockerInfo;
type Volume = mesos.v1.Volume;

/** Mesos names its Docker containers `mesos-<container id>`; so do we, to find them again. */
export const CONTAINER_NAME_PREFIX = 'mesos-';
/** Labels on our containers: the host sandbox, and the agent (by work_dir) that owns them. */
export const SANDBOX_LABEL = 'mesos-ts.sandbox';
export const WORK_DIR_LABEL = 'mesos-ts.work_dir';

// Mesos's numbers (slave/constants.hpp): shares per cpu and the floors it applies.
export const CPU_SHARES_PER_CPU = 1024;
export const MIN_CPU_SHARES = 2;
export const MIN_MEMORY_MB = 32;

export class DockerSpecError extends Error {}

export function containerName(containerId: string): string {
  return `${CONTAINER_NAME_PREFIX}${containerId}`;
}

/** The container id in a Docker container name (`/mesos-<id>` as the API lists it), if it is one of ours. */
export function containerIdOfName(name: string): string | undefined {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  return bare.startsWith(CONTAINER_NAME_PREFIX) && bare.length > CONTAINER_NAME_PREFIX.length
    ? bare.slice(CONTAINER_NAME_PREFIX.length)
    : undefined;
}

export function dockerInfoOf(task: TaskInfo): DockerInfo {
  const info = task.container?.docker;
  if (!info?.image) throw new DockerSpecError('A DOCKER container needs ContainerInfo.docker.image');
  return info;
}

export interface DockerSpecInput {
  containerId: string;
  task: TaskInfo;
  /** The sandbox on the host, and where it appears inside the container (--sandbox_directory). */
  sandbox: string;
  mappedSandbox: string;
  /** The task's variables (MESOS_* and CommandInfo.environment); MESOS_SANDBOX is set here. */
  env: Record<string, string>;
  labels: Record<string, string>;
}

/** `docker run` flags (DockerInfo.parameters) that have an Engine API equivalent. */
const PARAMETERS: Record<string, (opts: Docker.ContainerCreateOptions, host: Docker.HostConfig, value: string) => void> = {
  label: (o, _h, v) => {
    const i = v.indexOf('=');
    o.Labels = { ...o.Labels, [i < 0 ? v : v.slice(0, i)]: i < 0 ? '' : v.slice(i + 1) };
  },
  env: (o, _h, v) => {
    o.Env = [...(o.Env ?? []), v];
  },
  user: (o, _h, v) => {
    o.User = v;
  },
  workdir: (o, _h, v) => {
    o.WorkingDir = v;
  },
  hostname: (o, _h, v) => {
    o.Hostname = v;
  },
  'cap-add': (_o, h, v) => {
    h.CapAdd = [...(h.CapAdd ?? []), v];
  },
  'cap-drop': (_o, h, v) => {
    h.CapDrop = [...(h.CapDrop ?? []), v];
  },
  'add-host': (_o, h, v) => {
    h.ExtraHosts = [...(h.ExtraHosts ?? []), v];
  },
  dns: (_o, h, v) => {
    h.Dns = [...(h.Dns ?? []), v];
  },
};

function networkMode(task: TaskInfo, info: DockerInfo): string {
  switch (info.network ?? 'HOST') {
    case 'HOST':
      return 'host';
    case 'BRIDGE':
      return 'bridge';
    case 'NONE':
      return 'none';
    case 'USER': {
      const nets = task.container?.network_infos ?? [];
      if (nets.length === 0)
        throw new DockerSpecError('A USER network needs ContainerInfo.network_infos with the name of the Docker network');
      if (nets.length > 1) throw new DockerSpecError('Only a single network can be defined in Docker run');
      if (!nets[0]!.name) throw new DockerSpecError('No network name found in network info');
      return nets[0]!.name;
    }
    default:
      throw new DockerSpecError(`Unsupported Docker network '${String(info.network)}': use HOST, BRIDGE, NONE or USER`);
  }
}

function binds(volumes: Volume[], sandbox: string, mapped: string): { binds: string[]; driver?: string } {
  const out: string[] = [];
  let driver: string | undefined;
  for (const v of volumes) {
    const target = path.isAbsolute(v.container_path) ? v.container_path : path.join(mapped, v.container_path);
    const mode = v.mode === 'RW' ? 'rw' : v.mode === 'RO' ? 'ro' : undefined;
    if (!mode) throw new DockerSpecError(`Volume '${v.container_path}' needs a mode (RW or RO)`);
    if (v.host_path) {
      if (!path.isAbsolute(v.host_path) && !path.isAbsolute(v.container_path)) {
        throw new DockerSpecError(`Both host_path '${v.host_path}' and container_path '${v.container_path}' of a volume are relative`);
      }
      // A relative host path lives in the sandbox.
      const source = path.isAbsolute(v.host_path) ? v.host_path : path.join(sandbox, v.host_path);
      out.push(`${source}:${target}:${mode}`);
    } else if (v.source) {
      if (v.source.type !== 'DOCKER_VOLUME' || !v.source.docker_volume?.name) {
        throw new DockerSpecError(
          `Volume '${v.container_path}': only DOCKER_VOLUME sources are supported by the Docker containerizer (got ${v.source.type ?? 'none'})`,
        );
      }
      const d = v.source.docker_volume.driver;
      if (d) {
        if (driver && driver !== d) throw new DockerSpecError('Only one volume driver is supported');
        driver = d;
      }
      out.push(`${v.source.docker_volume.name}:${target}:${mode}`);
    } else {
      throw new DockerSpecError(`Volume '${v.container_path}': host_path or source is required`);
    }
  }
  out.push(`${sandbox}:${mapped}`);
  return driver ? { binds: out, driver } : { binds: out };
}

function portBindings(
  info: DockerInfo,
  network: string,
  resources: readonly Resource[],
): { exposed: Record<string, object>; bindings: Docker.PortMap } | undefined {
  const mappings = info.port_mappings ?? [];
  if (mappings.length === 0) return undefined;
  if (network === 'host' || network === 'none')
    throw new DockerSpecError('Port mappings are only supported for bridge and user-defined networks');
  const offered = ranges(resources, 'ports');
  if (offered.length === 0) throw new DockerSpecError('Port mappings require port resources');
  const exposed: Record<string, object> = {};
  const bindings: Docker.PortMap = {};
  for (const m of mappings) {
    if (!offered.some((r) => m.host_port >= r.begin && m.host_port <= r.end))
      throw new DockerSpecError(`Port [${m.host_port}] not included in resources`);
    const key = `${m.container_port}/${(m.protocol ?? 'tcp').toLowerCase()}`;
    exposed[key] = {};
    bindings[key] = [...(bindings[key] ?? []), { HostPort: String(m.host_port) }];
  }
  return { exposed, bindings };
}

/** Entrypoint and Cmd: `sh -c value` for a shell command, else value and arguments after the image's entrypoint. */
function command(task: TaskInfo): Pick<Docker.ContainerCreateOptions, 'Entrypoint' | 'Cmd'> {
  const c = task.command;
  if (!c) return {};
  if (c.shell !== false) {
    if (c.value === undefined) throw new DockerSpecError('Shell specified but no command value provided');
    return { Entrypoint: ['/bin/sh'], Cmd: ['-c', c.value] };
  }
  const argv = [...(c.value !== undefined ? [c.value] : []), ...(c.arguments ?? [])];
  return argv.length > 0 ? { Cmd: argv } : {};
}

/** The create request for a DOCKER task; throws DockerSpecError with Mesos's wording when the TaskInfo cannot run. */
export function dockerCreateOptions(input: DockerSpecInput): Docker.ContainerCreateOptions {
  const { task } = input;
  const info = dockerInfoOf(task);
  const resources = task.resources ?? [];
  const network = networkMode(task, info);
  const env: Record<string, string> = {
    ...input.env,
    MESOS_SANDBOX: input.mappedSandbox,
    MESOS_CONTAINER_NAME: containerName(input.containerId),
  };
  const volumes = binds(task.container?.volumes ?? [], input.sandbox, input.mappedSandbox);
  const host: Docker.HostConfig = {
    Binds: volumes.binds,
    NetworkMode: network,
    Privileged: info.privileged === true,
    // The agent copies output into the sandbox from the daemon's log; pin a driver it can read.
    LogConfig: { Type: 'json-file', Config: {} },
  };
  if (volumes.driver) host.VolumeDriver = volumes.driver;
  if (info.volume_driver) {
    if (volumes.driver && volumes.driver !== info.volume_driver) throw new DockerSpecError('Only one volume driver per task is supported');
    host.VolumeDriver = info.volume_driver;
  }
  if (resources.some((r) => r.name === 'cpus'))
    host.CpuShares = Math.max(Math.floor(CPU_SHARES_PER_CPU * scalar(resources, 'cpus')), MIN_CPU_SHARES);
  if (resources.some((r) => r.name === 'mem')) host.Memory = Math.round(Math.max(scalar(resources, 'mem'), MIN_MEMORY_MB) * 1024 * 1024);
  const opts: Docker.ContainerCreateOptions = {
    name: containerName(input.containerId),
    Image: info.image,
    ...command(task),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...input.labels },
    HostConfig: host,
  };
  const hostname = task.container?.hostname;
  if (hostname) {
    if (network === 'host') throw new DockerSpecError('Unable to set hostname with host network mode');
    opts.Hostname = hostname;
  }
  const ports = portBindings(info, network, resources);
  if (ports) {
    opts.ExposedPorts = ports.exposed;
    host.PortBindings = ports.bindings;
  }
  const unknown = (info.parameters ?? []).filter((p) => !PARAMETERS[p.key]).map((p) => p.key);
  if (unknown.length > 0) {
    throw new DockerSpecError(
      `DockerInfo.parameters not supported by this agent: ${unknown.map((k) => `--${k}`).join(', ')} (supported: ${Object.keys(PARAMETERS)
        .map((k) => `--${k}`)
        .join(', ')})`,
    );
  }
  for (const p of info.parameters ?? []) PARAMETERS[p.key]!(opts, host, p.value);
  return opts;
}

/** `docker stop -t`: whole seconds of grace, at least --docker_stop_timeout when that is set. */
export function stopSeconds(graceMs: number, stopTimeoutSecs: number): number {
  return Math.max(Math.ceil(Math.max(0, graceMs) / 1000), Math.ceil(stopTimeoutSecs));
}
