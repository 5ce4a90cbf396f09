// The guide's `systemctl start docker` step: the agent on a host reaches a Docker daemon and a
// Docker task runs. The daemon is this machine's dockerd (test/setup.sh starts it), its socket
// bound into the host. The agent's env file gets the two lines a user would add:
// MESOS_containerizers=docker,mesos, and a work_dir that dockerd sees at the same path (dockerd
// runs outside the host and mounts each task's sandbox from its own file system, as with a
// shared Docker daemon anywhere).
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/cluster.ts';
import { DOCKER_SOCKET, TEST_IMAGE, containersOf, dockerUnavailable, ensureTestImage, removeContainersOf } from '../helpers/docker.ts';
import type { ContainerHost } from './host.ts';
import { type AgentsJson, type StateJson, allTasks, guideExecute } from './mesos.ts';
import { E2ESuite, e2eSkip, getJson, masterUrl } from './suite.ts';

const skip = e2eSkip ?? (await dockerUnavailable());

let suite: E2ESuite;
let node: ContainerHost;
let workDir: string;

before(
  async () => {
    if (skip) return;
    await ensureTestImage();
    suite = await E2ESuite.start('docker', 2);
    workDir = path.join(suite.dir, 'agent-work');
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    node = (await suite.addHosts([{ name: 'docker1', binds: [DOCKER_SOCKET, workDir] }]))[0]!;
    await suite.boot(node);
    await suite.install(node);
  },
  { timeout: 20 * 60_000 },
);
after(async () => {
  if (workDir) await removeContainersOf(workDir);
  await suite?.stop();
});

describe('Docker tasks on a host whose agent reaches a Docker daemon', { skip }, () => {
  it('with MESOS_containerizers=docker,mesos the agent starts and reports the Docker daemon', () =>
    suite.step(async () => {
      await appendFile(
        node.file('etc/mesos/mesos-slave-env.sh'),
        `export MESOS_containerizers=docker,mesos\nexport MESOS_work_dir=${workDir}\n`,
      );
      await node.exec(['systemctl', 'start', 'mesos-master', 'mesos-slave']);
      await waitFor(
        'the agent to register',
        async () => (await getJson<AgentsJson>(`${masterUrl(node)}/master/slaves`)).slaves.some((a) => a.active),
        30_000,
        200,
      );
      assert.match(await node.journal('mesos-slave'), /agent\] Docker \S+ \(API [\d.]+\) at \/var\/run\/docker\.sock/);
    }));

  it('mesos execute --docker_image runs the command in a Docker container and exits 0', () =>
    suite.step(async () => {
      const cmd = guideExecute(
        node.fqdn,
        'dockerized',
        'echo hello from docker; uname -n',
        `--docker_image=${TEST_IMAGE} --containerizer=docker`,
      );
      const result = await node.sh(cmd, { reject: false, timeout: 90_000 });
      assert.equal(result.exitCode, 0, result.all);
      assert.match(result.stdout, /Received status update TASK_FINISHED for task 'dockerized'/);

      const state = await getJson<StateJson>(`${masterUrl(node)}/master/state`);
      const task = allTasks(state).find((t) => t.name === 'dockerized');
      assert.equal(task?.state, 'TASK_FINISHED');
      // The container's output, copied by the agent from dockerd into the task's sandbox.
      const stdout = await waitFor(
        'the container output in the sandbox',
        async () => {
          const found = await node.sh(`ls ${workDir}/slaves/*/frameworks/*/executors/dockerized/runs/*/stdout`, { reject: false });
          if (found.exitCode !== 0) return undefined;
          const text = await readFile(found.stdout.trim(), 'utf8');
          return /hello from docker/.test(text) && text;
        },
        10_000,
        200,
      );
      assert.match(stdout, /^hello from docker$/m);
      const containers = await containersOf(workDir);
      assert.ok(containers.length >= 1 && containers.every((c) => c.Image === TEST_IMAGE), JSON.stringify(containers.map((c) => c.Image)));
    }));
});
