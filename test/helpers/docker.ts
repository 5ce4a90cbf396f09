// Docker for tests: whether a daemon is usable here, and a tiny local image built without any
// registry (a static busybox in an otherwise empty rootfs, `docker import`ed once and then found
// by its name and tag).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Daemon } from './cluster.ts';

export const DOCKER_SOCKET = '/var/run/docker.sock';
/** The test image: busybox's applets on /bin, nothing else. */
export const TEST_IMAGE = 'mesos-ts-test/busybox:1';
const BUSYBOX = '/bin/busybox';

export function dockerClient(): Docker {
  return new Docker({ socketPath: DOCKER_SOCKET });
}

/** Why Docker tests cannot run here, or undefined when they can. */
export async function dockerUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (the Docker daemon and its socket are root-only here)';
  if (!existsSync(DOCKER_SOCKET))
    return `no Docker daemon: ${DOCKER_SOCKET} is missing (run test/setup.sh as root to install docker.io and start dockerd)`;
  try {
    await dockerClient().ping();
  } catch (err) {
    return `no Docker daemon answers at ${DOCKER_SOCKET}: ${(err as Error).message} (run test/setup.sh as root)`;
  }
  if (!existsSync(BUSYBOX) || spawnSync('ldd', [BUSYBOX]).status === 0)
    return `${BUSYBOX} is not a static busybox (apt-get install busybox-static)`;
  return undefined;
}

let building: Promise<string> | undefined;

/** The test image, imported from a busybox rootfs the first time it is needed on this daemon. */
export function ensureTestImage(): Promise<string> {
  building ??= buildTestImage();
  return building;
}

async function buildTestImage(): Promise<string> {
  const docker = dockerClient();
  try {
    await docker.getImage(TEST_IMAGE).inspect();
    return TEST_IMAGE;
  } catch {
    // not built yet
  }
  const root = mkdtempSync(path.join(os.tmpdir(), 'mesos-test-rootfs-'));
  try {
    for (const d of ['bin', 'tmp', 'etc', 'proc', 'sys', 'dev']) mkdirSync(path.join(root, d));
    copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
    const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', path.join(root, 'bin', a));
    const [repo, tag] = TEST_IMAGE.split(':') as [string, string];
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = await docker.importImage(tar.stdout, { repo, tag, changes: ['ENV PATH=/bin'] } as object);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
        const failed = err ?? out.find((o) => o.error);
        if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
        else resolve();
      });
    });
    await docker.getImage(TEST_IMAGE).inspect();
    return TEST_IMAGE;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Docker containers an agent with this work_dir created (by the owner label the agent puts on them). */
export async function containersOf(workDir: string): Promise<Docker.ContainerInfo[]> {
  return dockerClient().listContainers({ all: true, filters: { label: [`mesos-ts.work_dir=${workDir}`] } });
}

/** Removes every container an agent with this work_dir created (test cleanup). */
export async function removeContainersOf(workDir: string): Promise<void> {
  const docker = dockerClient();
  for (const c of await containersOf(workDir))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
}

/** Cleanup of a Docker test: stops the agent and its master, removes the agent's containers and both work dirs. */
export async function stopDockerCluster(master: Daemon | undefined, agent: Daemon | undefined): Promise<void> {
  await agent?.stop();
  await master?.stop();
  if (agent) {
    await removeContainersOf(agent.workDir);
    rmSync(agent.workDir, { recursive: true, force: true });
  }
  if (master) rmSync(master.workDir, { recursive: true, force: true });
}
