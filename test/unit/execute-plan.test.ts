import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import { type ExecuteFlags, loadExecuteFlags } from '../../daemons/cli/execute-flags.ts';
import { buildFramework, buildPlan, DEFAULT_EXECUTOR_RESOURCES, ExecuteUsageError, offerFits } from '../../daemons/cli/execute-task.ts';
import type { Resource } from '../../daemons/common/mesos.ts';
import { allocatedTo, parseResources } from '../../daemons/common/resources.ts';

function flags(...argv: string[]): ExecuteFlags {
  return loadExecuteFlags({ argv: ['--master=127.0.0.1:5050', ...argv], progName: 'mesos execute' }).values;
}

function usageError(f: ExecuteFlags): string {
  try {
    buildPlan(f);
  } catch (err) {
    assert.ok(err instanceof ExecuteUsageError, `expected ExecuteUsageError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('buildPlan accepted the flags');
}

const capabilityTypes = (f: ExecuteFlags) => (buildFramework(f).capabilities ?? []).map((c) => c.type).sort();

const TASK_JSON = JSON.stringify({
  name: 'whole',
  task_id: { value: 'whole-1' },
  agent_id: { value: '' },
  resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }],
  command: { value: 'true' },
});

const GROUP_JSON = JSON.stringify({
  tasks: [
    {
      name: 'a',
      task_id: { value: 'a' },
      agent_id: { value: '' },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 } }],
      command: { value: 'sleep 1' },
    },
    {
      name: 'b',
      task_id: { value: 'b' },
      agent_id: { value: '' },
      resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
      command: { value: 'sleep 2' },
    },
  ],
});

describe('buildFramework', () => {
  test('defaults: user, name, role *, no checkpoint, PARTITION_AWARE on', () => {
    const fw = buildFramework(flags('--name=t', '--command=true'));
    assert.equal(fw.user, os.userInfo().username);
    assert.equal(fw.name, 'mesos-execute instance');
    assert.equal(fw.hostname, os.hostname());
    assert.equal(fw.role, '*');
    assert.equal(fw.roles, undefined);
    assert.equal(fw.checkpoint, false);
    assert.equal(fw.principal, undefined);
    assert.deepEqual(capabilityTypes(flags('--name=t', '--command=true')), [
      'PARTITION_AWARE',
      'RESERVATION_REFINEMENT',
      'TASK_KILLING_STATE',
    ]);
  });

  test('--no-partition_aware drops PARTITION_AWARE', () => {
    assert.deepEqual(capabilityTypes(flags('--no-partition_aware')), ['RESERVATION_REFINEMENT', 'TASK_KILLING_STATE']);
    assert.deepEqual(capabilityTypes(flags('--partition_aware=false')), ['RESERVATION_REFINEMENT', 'TASK_KILLING_STATE']);
  });

  test('--framework_capabilities adds known capabilities once each', () => {
    assert.deepEqual(capabilityTypes(flags('--framework_capabilities= GPU_RESOURCES ,,TASK_KILLING_STATE,REGION_AWARE')), [
      'GPU_RESOURCES',
      'PARTITION_AWARE',
      'REGION_AWARE',
      'RESERVATION_REFINEMENT',
      'TASK_KILLING_STATE',
    ]);
  });

  test('an unknown capability is a usage error', () => {
    assert.throws(
      () => buildFramework(flags('--framework_capabilities=GPU_RESOURCES,FLYING')),
      (err: unknown) => err instanceof ExecuteUsageError && /invalid value 'FLYING' in '--framework_capabilities'/.test(err.message),
    );
    assert.throws(() => buildFramework(flags('--framework_capabilities=gpu_resources')), ExecuteUsageError, 'names are case sensitive');
  });

  test('MULTI_ROLE puts the role in roles, not role', () => {
    const fw = buildFramework(flags('--role=analytics', '--framework_capabilities=MULTI_ROLE'));
    assert.deepEqual(fw.roles, ['analytics']);
    assert.equal(fw.role, undefined);
    const single = buildFramework(flags('--role=analytics'));
    assert.equal(single.role, 'analytics');
    assert.equal(single.roles, undefined);
  });

  test('--checkpoint and --principal are passed on', () => {
    const fw = buildFramework(flags('--checkpoint', '--principal=ops'));
    assert.equal(fw.checkpoint, true);
    assert.equal(fw.principal, 'ops');
  });
});

describe('buildPlan', () => {
  test('--name and --command give a shell task with the default resources', () => {
    const plan = buildPlan(flags('--name=hello', '--command=echo hi && sleep 1'));
    assert.equal(plan.tasks.length, 1);
    assert.equal(plan.executor, undefined);
    const task = plan.tasks[0]!;
    assert.equal(task.name, 'hello');
    assert.deepEqual(task.task_id, { value: 'hello' });
    assert.deepEqual(task.command, { shell: true, value: 'echo hi && sleep 1' });
    assert.deepEqual(task.resources, parseResources('cpus:1;mem:128'));
    assert.deepEqual(plan.needed, task.resources);
    assert.equal(task.container, undefined);
    assert.deepEqual(plan.framework, buildFramework(flags('--name=hello', '--command=echo hi && sleep 1')));
  });

  test('--resources is parsed; a bad value is a usage error naming the flag', () => {
    const plan = buildPlan(flags('--name=t', '--command=true', '--resources=cpus:0.5;mem:64;ports:[31000-31001]'));
    assert.deepEqual(plan.tasks[0]!.resources, parseResources('cpus:0.5;mem:64;ports:[31000-31001]'));
    assert.match(usageError(flags('--name=t', '--command=true', '--resources=cpus:lots')), /invalid value for '--resources'/);
  });

  test('--task and --task_group together are refused', () => {
    assert.match(
      usageError(flags(`--task=${TASK_JSON}`, `--task_group=${GROUP_JSON}`)),
      /Either '--task' or '--task_group' may be given, not both/,
    );
  });

  test('--name is needed without --task/--task_group', () => {
    assert.match(usageError(flags('--command=true')), /Missing '--name'/);
  });

  test('--command is needed with --shell (the default)', () => {
    assert.match(usageError(flags('--name=t')), /Missing '--command' \(required with --shell/);
    assert.match(usageError(flags('--name=t', '--command=')), /Missing '--command'/);
  });

  test('--no-shell splits the command on spaces into value and arguments', () => {
    const plan = buildPlan(flags('--name=t', '--no-shell', '--command=/bin/ls  -l /tmp'));
    assert.deepEqual(plan.tasks[0]!.command, { shell: false, value: '/bin/ls', arguments: ['/bin/ls', '-l', '/tmp'] });
  });

  test('--no-shell without a command is refused', () => {
    assert.match(usageError(flags('--name=t', '--no-shell')), /Missing '--command' \(the executable/);
    assert.match(usageError(flags('--name=t', '--no-shell', '--command=   ')), /Missing '--command'/);
  });

  test('--env becomes the command environment', () => {
    const plan = buildPlan(flags('--name=t', '--command=env', '--env={"A":"1","B":"two words"}'));
    assert.deepEqual(plan.tasks[0]!.command!.environment, {
      variables: [
        { name: 'A', value: '1' },
        { name: 'B', value: 'two words' },
      ],
    });
  });

  test('--docker_image with the mesos containerizer (default) is a MESOS container with a DOCKER image', () => {
    const plan = buildPlan(flags('--name=t', '--command=true', '--docker_image=busybox:latest'));
    assert.deepEqual(plan.tasks[0]!.container, { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:latest' } } } });
  });

  test('--docker_image with --containerizer=docker is a DOCKER container on the host network', () => {
    const plan = buildPlan(flags('--name=t', '--command=true', '--docker_image=busybox', '--containerizer=docker'));
    assert.deepEqual(plan.tasks[0]!.container, { type: 'DOCKER', docker: { image: 'busybox', network: 'HOST' } });
  });

  test('--appc_image is a MESOS container with an APPC image', () => {
    const plan = buildPlan(flags('--name=t', '--command=true', '--appc_image=coreos.com/etcd'));
    assert.deepEqual(plan.tasks[0]!.container, { type: 'MESOS', mesos: { image: { type: 'APPC', appc: { name: 'coreos.com/etcd' } } } });
  });

  test('--networks, --tty, --volumes, capabilities and rlimits make a MESOS container', () => {
    const volumes = [{ container_path: '/data', host_path: '/srv', mode: 'RW' }];
    const plan = buildPlan(
      flags(
        '--name=t',
        '--command=true',
        '--networks=net1, net2',
        '--tty',
        `--volumes=${JSON.stringify(volumes)}`,
        '--effective_capabilities={"capabilities":["NET_ADMIN"]}',
        '--bounding_capabilities={"capabilities":["NET_ADMIN","CHOWN"]}',
        '--rlimits={"rlimits":[{"type":"RLMT_CPU","soft":1,"hard":2}]}',
      ),
    );
    assert.deepEqual(plan.tasks[0]!.container, {
      type: 'MESOS',
      network_infos: [{ name: 'net1' }, { name: 'net2' }],
      volumes,
      tty_info: {},
      linux_info: {
        effective_capabilities: { capabilities: ['NET_ADMIN'] },
        bounding_capabilities: { capabilities: ['NET_ADMIN', 'CHOWN'] },
      },
      rlimit_info: { rlimits: [{ type: 'RLMT_CPU', soft: 1, hard: 2 }] },
    });
  });

  test('--networks keeps the DOCKER type of --containerizer=docker', () => {
    const plan = buildPlan(flags('--name=t', '--command=true', '--docker_image=busybox', '--containerizer=docker', '--networks=n1'));
    assert.equal(plan.tasks[0]!.container!.type, 'DOCKER');
    assert.deepEqual(plan.tasks[0]!.container!.network_infos, [{ name: 'n1' }]);
  });

  test('--package is refused', () => {
    assert.match(
      usageError(flags('--name=t', '--command=true', '--package=/tmp/pkg.tgz')),
      /'--package' \(upload to HDFS\) is not supported/,
    );
  });

  test('--task launches the whole TaskInfo as given', () => {
    const plan = buildPlan(flags(`--task=${TASK_JSON}`));
    assert.deepEqual(plan.tasks, [JSON.parse(TASK_JSON)]);
    assert.deepEqual(plan.needed, [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }]);
    assert.equal(plan.executor, undefined);
  });

  for (const [flag, value] of [
    ['name', 'x'],
    ['command', 'true'],
    ['env', '{"A":"1"}'],
    ['docker_image', 'busybox'],
    ['appc_image', 'img'],
    ['volumes', '[]'],
  ] as const) {
    test(`--${flag} cannot be combined with --task or --task_group`, () => {
      assert.match(usageError(flags(`--task=${TASK_JSON}`, `--${flag}=${value}`)), new RegExp(`'--${flag}' cannot be used with '--task'`));
      assert.match(
        usageError(flags(`--task_group=${GROUP_JSON}`, `--${flag}=${value}`)),
        new RegExp(`'--${flag}' cannot be used with '--task_group'`),
      );
    });
  }

  test('--task needs name, task_id and resources', () => {
    const task = JSON.parse(TASK_JSON) as Record<string, unknown>;
    const without = (key: string) => {
      const copy = { ...task };
      delete copy[key];
      return `--task=${JSON.stringify(copy)}`;
    };
    assert.match(usageError(flags(without('name'))), /'--task' needs 'name' and 'task_id'/);
    assert.match(usageError(flags(without('task_id'))), /'--task' needs 'name' and 'task_id'/);
    assert.match(usageError(flags(without('resources'))), /'--task' needs 'resources'/);
    assert.match(usageError(flags(`--task=${JSON.stringify({ ...task, resources: [] })}`)), /'--task' needs 'resources'/);
  });

  test('--task_group runs under the default executor with its own resources', () => {
    const plan = buildPlan(flags(`--task_group=${GROUP_JSON}`));
    const executorResources = parseResources(DEFAULT_EXECUTOR_RESOURCES);
    assert.deepEqual(executorResources, parseResources('cpus:0.1;mem:32;disk:32'));
    assert.deepEqual(plan.executor, { type: 'DEFAULT', executor_id: { value: 'default-executor' }, resources: executorResources });
    assert.deepEqual(
      plan.tasks.map((t) => t.task_id.value),
      ['a', 'b'],
    );
    assert.deepEqual(plan.needed, [
      ...executorResources,
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.2 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 16 } },
    ]);
  });

  test('--task_group needs tasks, each with name, task_id and resources', () => {
    assert.match(usageError(flags('--task_group={"tasks":[]}')), /must have a non-empty 'tasks' array/);
    assert.match(
      usageError(flags('--task_group={"tasks":[{"name":"a","resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]}]}')),
      /needs 'name' and 'task_id'/,
    );
    assert.match(
      usageError(flags('--task_group={"tasks":[{"name":"a","task_id":{"value":"a"}}]}')),
      /task 'a' in '--task_group' needs 'resources'/,
    );
  });
});

describe('offerFits', () => {
  const offer: Resource[] = allocatedTo(parseResources('cpus:2;mem:1024;disk:100;ports:[31000-32000]'), '*');

  test('an offer containing the needed resources fits, whatever its allocation info', () => {
    assert.equal(offerFits(offer, parseResources('cpus:1;mem:128')), true);
    assert.equal(offerFits(offer, parseResources('cpus:2;mem:1024;disk:100')), true);
    assert.equal(offerFits(offer, parseResources('ports:[31000-31001]')), true);
  });

  test('an offer short of any resource does not fit', () => {
    assert.equal(offerFits(offer, parseResources('cpus:2.5')), false);
    assert.equal(offerFits(offer, parseResources('mem:2048')), false);
    assert.equal(offerFits(offer, parseResources('ports:[80-80]')), false);
    assert.equal(offerFits(offer, parseResources('gpus:1')), false);
  });

  test('the task group plan fits only when the executor resources fit too', () => {
    const plan = buildPlan(flags(`--task_group=${GROUP_JSON}`));
    assert.equal(offerFits(allocatedTo(parseResources('cpus:0.3;mem:48;disk:32'), '*'), plan.needed), true);
    assert.equal(offerFits(allocatedTo(parseResources('cpus:0.25;mem:48;disk:32'), '*'), plan.needed), false);
  });
});
