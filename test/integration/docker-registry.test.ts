// Docker images from a private registry (a fake one on loopback that asks for Basic credentials):
// the agent pulls with the credentials of --docker_config, or with those of a Docker config the
// task fetched into its sandbox, which Mesos users (and Marathon's docs) rely on; without any,
// the task fails with the registry's refusal.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { type Daemon, runMesos, startAgent, startMaster, tempDir } from '../helpers/cluster.ts';
import { dockerClient, dockerUnavailable, ensureTestImage, removeContainersOf } from '../helpers/docker.ts';
import { type FakeRegistry, startFakeRegistry } from '../helpers/fake-registry.ts';

const unavailable = await dockerUnavailable();
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Docker images from a private registry', { skip: unavailable ? `Docker tests skipped: ${unavailable}` : false }, () => {
  let registry: FakeRegistry;
  let master: Daemon;
  let agent: Daemon;
  let dir: string;

  before(async () => {
    await ensureTestImage();
    registry = await startFakeRegistry({ alice: 'agent-secret', bob: 'sandbox:secret' });
    dir = tempDir('registry');
    const agentConfig = path.join(dir, 'agent-docker-config.json');
    writeFileSync(agentConfig, JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: b64('alice:agent-secret') } } }));
    master = await startMaster(['--allocation_interval=50ms']);
    agent = await startAgent(master, [
      '--containerizers=docker,mesos',
      '--docker_remove_delay=1secs',
      `--docker_config=file://${agentConfig}`,
    ]);
  });
  after(async () => {
    await agent?.stop();
    await master?.stop();
    if (agent) await removeContainersOf(agent.workDir);
    const docker = dockerClient();
    for (const image of await docker.listImages().catch(() => [])) {
      for (const tag of image.RepoTags ?? [])
        if (registry && tag.startsWith(`${registry.host}/`))
          await docker
            .getImage(tag)
            .remove({ force: true })
            .catch(() => undefined);
    }
    await registry?.close();
    for (const d of [agent?.workDir, master?.workDir, dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  /** A task on a registry image that prints a line, with its sandbox fetching `uris`. */
  function taskJson(id: string, image: string, uris: Array<{ value: string }> = []): string {
    return JSON.stringify({
      name: id,
      task_id: { value: id },
      agent_id: { value: '' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
        { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
      ],
      command: { value: 'echo pulled', uris },
      container: { type: 'DOCKER', docker: { image, network: 'HOST', force_pull_image: true } },
    });
  }

  /** A docker.tar.gz holding `.docker/config.json`, as Marathon's docs have users ship credentials. */
  async function credentialsArchive(name: string, config: object): Promise<string> {
    const root = path.join(dir, name);
    mkdirSync(path.join(root, '.docker'), { recursive: true });
    writeFileSync(path.join(root, '.docker', 'config.json'), JSON.stringify(config));
    const archive = path.join(dir, `${name}.tar.gz`);
    await execa('tar', ['-czf', archive, '-C', root, '.docker']);
    return archive;
  }

  const execute = (task: string) =>
    runMesos(['execute', `--master=127.0.0.1:${master.port}`, `--task=${task}`, '--containerizer=docker'], 90_000);

  test('--docker_config: the agent pulls with the credentials it holds for the registry', async () => {
    const before = registry.authenticated.length;
    const res = await execute(taskJson('with-agent-config', `${registry.host}/team/busybox:agent`));
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /TASK_FINISHED/);
    const users = new Set(registry.authenticated.slice(before));
    assert.deepEqual([...users], ['alice'], 'every request of the pull authenticated as the agent config says');
  });

  test('a .docker/config.json the task fetched into its sandbox wins over --docker_config', async () => {
    const archive = await credentialsArchive('bob', { auths: { [registry.host]: { auth: b64('bob:sandbox:secret') } } });
    const before = registry.authenticated.length;
    const res = await execute(taskJson('with-sandbox-config', `${registry.host}/team/busybox:sandbox`, [{ value: archive }]));
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.deepEqual([...new Set(registry.authenticated.slice(before))], ['bob']);
  });

  test('with no credentials for the registry the task fails with its refusal', async () => {
    const archive = await credentialsArchive('elsewhere', { auths: { 'registry.example.com': { auth: b64('carol:x') } } });
    const refusedBefore = registry.refused;
    const res = await execute(taskJson('without-credentials', `${registry.host}/team/busybox:none`, [{ value: archive }]));
    assert.notEqual(res.code, 0);
    assert.match(res.stdout, /TASK_FAILED/);
    assert.match(
      res.stdout,
      new RegExp(
        `message: 'Failed to pull image '${registry.host.replace(/\./g, '\\.')}/team/busybox:none': .*(unauthorized|authentication required|no basic auth credentials)`,
        'i',
      ),
    );
    assert.ok(registry.refused > refusedBefore);
  });

  test('a sandbox Docker config that is not JSON fails the task, naming the file', async () => {
    const root = path.join(dir, 'broken');
    mkdirSync(path.join(root, '.docker'), { recursive: true });
    writeFileSync(path.join(root, '.docker', 'config.json'), '{"auths": ');
    const archive = path.join(dir, 'broken.tar.gz');
    await execa('tar', ['-czf', archive, '-C', root, '.docker']);
    const res = await execute(taskJson('broken-config', `${registry.host}/team/busybox:broken`, [{ value: archive }]));
    assert.notEqual(res.code, 0);
    assert.match(res.stdout, /TASK_FAILED/);
    assert.match(res.stdout, /\.docker\/config\.json is not JSON/);
  });
});
