// Registry credentials for image pulls, from a Docker client configuration as Mesos uses one:
// a `.docker/config.json` or `.dockercfg` that the task fetched into its sandbox (Marathon's way:
// a docker.tar.gz among the task's URIs) or else the agent's --docker_config. Mesos runs
// `docker pull` with HOME set to the sandbox so that the docker CLI finds the file; this agent
// pulls through the Engine API, so it reads the file itself and passes the credentials along.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What the Engine API takes in X-Registry-Auth. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

export class DockerConfigError extends Error {}

const HUB = 'docker.io';
const HUB_HOSTS = new Set([HUB, 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/**
 * The registry an image reference names, as Docker resolves it: its first component when that
 * looks like a host (has a dot or a port, or is localhost), Docker Hub otherwise.
 */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return HUB;
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first.toLowerCase();
  return HUB;
}

/** The host of an `auths` key: `https://index.docker.io/v1/` and `registry:5000` both occur. */
function hostOfKey(key: string): string {
  const bare = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = bare.indexOf('/');
  return (slash < 0 ? bare : bare.slice(0, slash)).toLowerCase();
}

function sameRegistry(a: string, b: string): boolean {
  return a === b || (HUB_HOSTS.has(a) && HUB_HOSTS.has(b));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The credentials `config` holds for the registry of `image`, or undefined when it holds none.
 * `config` is a config.json (`{"auths": {...}}`) or an old `.dockercfg` (the auths map itself).
 * Throws DockerConfigError when the matching entry cannot be used.
 */
export function authFor(config: unknown, image: string): RegistryAuth | undefined {
  if (!isObject(config)) return undefined;
  const isConfigJson = 'auths' in config || 'credsStore' in config || 'credHelpers' in config;
  const auths = isConfigJson ? config.auths : config;
  if (!isObject(auths)) return undefined;
  const registry = registryOf(image);
  const serveraddress = HUB_HOSTS.has(registry) ? 'https://index.docker.io/v1/' : registry;
  for (const [key, entry] of Object.entries(auths)) {
    if (!sameRegistry(hostOfKey(key), registry) || !isObject(entry)) continue;
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return { identitytoken: entry.identitytoken, serveraddress };
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new DockerConfigError(`the 'auth' of '${key}' is not base64 of user:password`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
    }
    if (typeof entry.username === 'string' && entry.username !== '') {
      return { username: entry.username, password: typeof entry.password === 'string' ? entry.password : '', serveraddress };
    }
  }
  return undefined;
}

/**
 * The credential helper a config names for the registry of `image` (credHelpers, or credsStore
 * for all), which this agent does not run: the pull goes without those credentials.
 */
export function credentialHelperFor(config: unknown, image: string): string | undefined {
  if (!isObject(config)) return undefined;
  const registry = registryOf(image);
  if (isObject(config.credHelpers)) {
    for (const [key, helper] of Object.entries(config.credHelpers)) {
      if (sameRegistry(hostOfKey(key), registry) && typeof helper === 'string') return `docker-credential-${helper}`;
    }
  }
  return typeof config.credsStore === 'string' && config.credsStore !== '' ? `docker-credential-${config.credsStore}` : undefined;
}

/** The sandbox's own Docker config (`.docker/config.json`, else `.dockercfg`), if it has one. */
export function sandboxDockerConfig(sandbox: string): { file: string; config: unknown } | undefined {
  for (const name of [path.join('.docker', 'config.json'), '.dockercfg']) {
    const file = path.join(sandbox, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new DockerConfigError(`cannot read ${file}: ${(err as Error).message}`);
    }
    try {
      return { file, config: JSON.parse(text) as unknown };
    } catch (err) {
      throw new DockerConfigError(`${file} is not JSON: ${(err as Error).message}`);
    }
  }
  return undefined;
}
