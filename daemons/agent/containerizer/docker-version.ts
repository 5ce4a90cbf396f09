// Which Docker daemon the agent talks to (--docker_socket, or --docker when it names a socket),
// and the start-up check that it answers and is at least --docker_min_version.
import type Docker from 'dockerode';

/** Where the agent's env file lives in our packages; start-up errors point operators there. */
const ENV_FILE = '/etc/mesos/mesos-slave-env.sh';
const CHECK_TIMEOUT_MS = 10_000;

export interface DockerEndpoint {
  /** As the operator wrote it, for messages. */
  where: string;
  options: Docker.DockerOptions;
}

export class DockerUnavailableError extends Error {}

function parseEndpoint(value: string): DockerEndpoint | undefined {
  if (value.startsWith('unix://')) return { where: value.slice('unix://'.length), options: { socketPath: value.slice('unix://'.length) } };
  const tcp = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(value);
  if (tcp) return { where: value, options: { protocol: 'http', host: tcp[1]!, port: Number(tcp[2] ?? '2375') } };
  if (value.startsWith('/')) return { where: value, options: { socketPath: value } };
  return undefined;
}

/**
 * The daemon's address. In Mesos `--docker` is the docker CLI; this agent speaks the Engine API
 * itself and needs no CLI, but an address given there (unix:// or tcp://) is honoured.
 */
export function dockerEndpoint(flags: { docker: string; docker_socket: string }): DockerEndpoint {
  if (/^(unix|tcp|http):\/\//.test(flags.docker)) {
    const e = parseEndpoint(flags.docker);
    if (e) return e;
  }
  const e = parseEndpoint(flags.docker_socket);
  if (!e)
    throw new DockerUnavailableError(
      `invalid value for flag '--docker_socket': '${flags.docker_socket}' is not a socket path, unix:// or tcp://host:port address`,
    );
  return e;
}

/** "20.10.24+dfsg1" -> [20, 10, 24]; undefined when it does not start with a version number. */
export function parseVersion(text: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? '0')] : undefined;
}

export function versionAtLeast(found: number[], min: number[]): boolean {
  for (let i = 0; i < Math.max(found.length, min.length); i++) {
    const a = found[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

function unreachableReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { statusCode?: number };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOENT':
      return 'no such socket';
    case 'EACCES':
      return 'permission denied (run the agent as root or in the docker group)';
    default:
      return e.statusCode ? `HTTP ${e.statusCode}: ${e.message}` : e.message;
  }
}

/** Asks the daemon its version; throws DockerUnavailableError (one line) when it is unusable. */
export async function checkDockerVersion(
  client: Docker,
  endpoint: DockerEndpoint,
  minVersion: string,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<Docker.DockerVersion> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs);
  });
  let v: Docker.DockerVersion;
  try {
    v = await Promise.race([client.version(), timeout]);
  } catch (err) {
    throw new DockerUnavailableError(
      `cannot reach Docker at ${endpoint.where}: ${unreachableReason(err)}; is dockerd running (systemctl start docker)?`,
    );
  } finally {
    clearTimeout(timer);
  }
  const found = parseVersion(String(v.Version ?? ''));
  if (!found)
    throw new DockerUnavailableError(
      `Docker at ${endpoint.where} reports version '${String(v.Version)}', which is not a version number; see ${ENV_FILE}`,
    );
  if (!versionAtLeast(found, parseVersion(minVersion) ?? [0])) {
    throw new DockerUnavailableError(
      `Docker ${v.Version} found at ${endpoint.where}, ${minVersion} or newer required; upgrade Docker or take docker out of MESOS_containerizers (see ${ENV_FILE})`,
    );
  }
  return v;
}
