import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Allocation, DrfAllocator, allocationPauseMs } from '../../daemons/master/allocator/index.ts';
import type { Resource } from '../../daemons/common/mesos.ts';
import { parseMinAllocatable, parseResources, reservationRole, scalar, unallocated } from '../../daemons/common/resources.ts';

const AGENT = 'cpus:4;mem:4096;disk:10000;ports:[31000-32000]';

class FakeClock {
  ms = 1_000_000;
  readonly now = (): number => this.ms;
}

function setup(agents: number, resources = AGENT, opts: { weights?: Map<string, number>; minAllocatable?: Resource[][] } = {}) {
  const clock = new FakeClock();
  const alloc = new DrfAllocator({ now: clock.now, ...opts });
  for (let i = 0; i < agents; i++) alloc.addAgent(`a${i}`, parseResources(resources));
  return { clock, alloc };
}

function byFramework(allocations: Allocation[]): Map<string, Allocation[]> {
  const out = new Map<string, Allocation[]>();
  for (const a of allocations) out.set(a.frameworkId, [...(out.get(a.frameworkId) ?? []), a]);
  return out;
}

function count(allocations: Allocation[], frameworkId: string): number {
  return allocations.filter((a) => a.frameworkId === frameworkId).length;
}

describe('DRF between frameworks', () => {
  test('two frameworks share fairly and the lower share gets freed resources', () => {
    const { alloc } = setup(4);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.addFramework('f2', { roles: ['*'] });
    const first = alloc.allocate();
    assert.equal(first.length, 4);
    assert.equal(count(first, 'f1'), 2);
    assert.equal(count(first, 'f2'), 2);
    assert.equal(alloc.frameworkShare('f1'), 0.5);
    for (const a of first) {
      assert.equal(a.role, '*');
      assert.ok(a.resources.every((r) => r.allocation_info?.role === '*'));
      assert.equal(scalar(a.resources, 'cpus'), 4);
    }
    assert.deepEqual(alloc.allocate(), [], 'nothing changed, nothing to offer');

    // f1 gives back one agent: f1 now holds less, so it gets it again.
    const f1Offer = first.find((a) => a.frameworkId === 'f1')!;
    alloc.recoverResources('f1', f1Offer.agentId, f1Offer.resources);
    assert.equal(alloc.frameworkShare('f1'), 0.25);
    const again = alloc.allocate();
    assert.deepEqual(
      again.map((a) => [a.frameworkId, a.agentId]),
      [['f1', f1Offer.agentId]],
    );

    // Both free one agent each; f2 (the one now holding less) is first in line.
    const f2Offer = first.find((a) => a.frameworkId === 'f2')!;
    alloc.recoverResources('f2', f2Offer.agentId, f2Offer.resources);
    alloc.recoverResources('f1', f1Offer.agentId, again[0]!.resources);
    assert.equal(alloc.frameworkShare('f1'), 0.25);
    const f2Second = first.filter((a) => a.frameworkId === 'f2')[1]!;
    alloc.recoverResources('f2', f2Second.agentId, f2Second.resources);
    assert.equal(alloc.frameworkShare('f2'), 0);
    const third = alloc.allocate();
    assert.equal(third.length, 3);
    assert.equal(count(third, 'f2'), 2, 'f2 had the lowest share and catches up');
    assert.equal(count(third, 'f1'), 1);
    assert.equal(alloc.frameworkShare('f1'), 0.5);
    assert.equal(alloc.frameworkShare('f2'), 0.5);
  });

  test('dominant share uses the scarcest resource', () => {
    const { alloc } = setup(0);
    alloc.addAgent('big', parseResources('cpus:10;mem:1000'));
    alloc.addAgent('cpu-heavy', parseResources('cpus:8;mem:100'));
    alloc.addFramework('f', { roles: ['*'] });
    alloc.allocate();
    assert.equal(alloc.frameworkShare('f'), 1);
    alloc.recoverResources(
      'f',
      'big',
      parseResources('cpus:10;mem:1000').map((r) => ({ ...r, allocation_info: { role: '*' } })),
    );
    // holds cpus 8/18 = 0.444, mem 100/1100 = 0.09: the cpu share dominates.
    assert.equal(alloc.frameworkShare('f'), 8 / 18);
  });

  test('one allocation per agent per role, and agents rotate', () => {
    const { alloc } = setup(3);
    alloc.addFramework('f', { roles: ['*'] });
    const first = alloc.allocate();
    const agentsFirst = first.map((a) => a.agentId);
    assert.deepEqual([...agentsFirst].sort(), ['a0', 'a1', 'a2']);
    for (const a of first) alloc.recoverResources('f', a.agentId, a.resources);
    const agentsSecond = alloc.allocate().map((a) => a.agentId);
    assert.equal(agentsSecond.length, 3);
    assert.notEqual(agentsSecond[0], agentsFirst[0], 'the first agent visited changes between calls');
  });
});

describe('agents with something available', () => {
  test('only they are visited, in the same rotating order a pass over all agents takes', () => {
    const { alloc } = setup(200);
    alloc.addFramework('f', { roles: ['*'] });
    const all = alloc.allocate();
    assert.equal(all.length, 200);
    const order = all.map((a) => a.agentId);
    assert.deepEqual(alloc.allocate(), [], 'nothing available, nothing visited');
    // Free 5 agents of 200 (few: the allocator visits just them): each call starts one agent
    // further along agentOrder and wraps around, exactly as the pass over all 200 would.
    const freed = ['a7', 'a150', 'a3', 'a99', 'a198'];
    for (let call = 0; call < 3; call++) {
      for (const id of freed) alloc.recoverResources('f', id, all.find((a) => a.agentId === id)!.resources);
      const got = alloc.allocate().map((a) => a.agentId);
      // The first call started at index 0 of agentOrder (a0, a1, ...), each call since (the empty
      // one too) one further.
      const start = 2 + call;
      const expected = [...freed].sort((x, y) => ((Number(x.slice(1)) - start + 200) % 200) - ((Number(y.slice(1)) - start + 200) % 200));
      assert.deepEqual(got, expected, `call ${call}`);
    }
    assert.deepEqual(order.slice(0, 3), ['a0', 'a1', 'a2']);
  });

  test('an agent taken off and put back, deactivated or with new totals is visited as it should be', () => {
    const { alloc } = setup(20);
    alloc.addFramework('f', { roles: ['*'] });
    assert.equal(alloc.allocate().length, 20);
    alloc.removeAgent('a5');
    alloc.addAgent('a5', parseResources(AGENT));
    alloc.deactivateAgent('a6');
    alloc.updateAgentTotal('a6', parseResources('cpus:8;mem:8192'));
    alloc.updateAgentTotal('a7', parseResources('cpus:8;mem:8192'));
    const got = alloc
      .allocate()
      .map((a) => a.agentId)
      .sort();
    assert.deepEqual(got, ['a5', 'a7']);
    alloc.activateAgent('a6');
    assert.deepEqual(
      alloc.allocate().map((a) => a.agentId),
      ['a6'],
    );
    alloc.removeFramework('f');
    alloc.addFramework('g', { roles: ['*'] });
    assert.equal(alloc.allocate().length, 20, 'everything the removed framework held is visited again');
  });
});

describe('roles and weights', () => {
  test('weighted DRF: a role with weight 2 gets twice the resources', () => {
    const { alloc } = setup(30, AGENT, { weights: new Map([['a', 2]]) });
    alloc.addFramework('fa', { roles: ['a'] });
    alloc.addFramework('fb', { roles: ['b'] });
    const out = alloc.allocate();
    assert.equal(count(out, 'fa'), 20);
    assert.equal(count(out, 'fb'), 10);
    assert.ok(Math.abs(alloc.roleShare('a') - 2 / 3) < 1e-9);
    assert.ok(Math.abs(alloc.roleShare('b') - 1 / 3) < 1e-9);
    const summary = alloc.roleSummary();
    assert.deepEqual(
      summary.map((r) => [r.role, r.weight, r.frameworks]),
      [
        ['a', 2, ['fa']],
        ['b', 1, ['fb']],
      ],
    );
    assert.equal(scalar(summary[0]!.allocated, 'cpus'), 80);
  });

  test('setWeights changes the split of later allocations', () => {
    const { alloc } = setup(4);
    alloc.addFramework('fa', { roles: ['a'] });
    alloc.addFramework('fb', { roles: ['b'] });
    const equal = alloc.allocate();
    assert.equal(count(equal, 'fa'), 2);
    assert.equal(count(equal, 'fb'), 2);
    for (const a of equal) alloc.recoverResources(a.frameworkId, a.agentId, a.resources);
    alloc.setWeights(new Map([['a', 3]]));
    const weighted = alloc.allocate();
    assert.equal(count(weighted, 'fa'), 3);
    assert.equal(count(weighted, 'fb'), 1);
    assert.equal(alloc.roleSummary().find((r) => r.role === 'a')?.weight, 3);
  });

  test('invalid weights are ignored', () => {
    const { alloc } = setup(0, AGENT, {
      weights: new Map([
        ['a', 0],
        ['b', -2],
        ['c', Number.NaN],
      ]),
    });
    assert.deepEqual(alloc.roleSummary(), []);
  });

  test('reserved resources go only to their role; both roles are served on one agent', () => {
    const { alloc } = setup(0);
    alloc.addAgent('a0', parseResources('cpus(web):2;mem(web):512;cpus:4;mem:4096'));
    alloc.addFramework('star', { roles: ['*'] });
    alloc.addFramework('webfw', { roles: ['web'] });
    const out = byFramework(alloc.allocate());
    // '*' sorts before 'web' at equal share: it takes the unreserved part, web the rest.
    const star = out.get('star')![0]!;
    const web = out.get('webfw')![0]!;
    assert.ok(star.resources.every((r) => reservationRole(r) === '*'));
    assert.equal(scalar(star.resources, 'cpus'), 4);
    assert.ok(web.resources.every((r) => reservationRole(r) === 'web' && r.allocation_info?.role === 'web'));
    assert.equal(scalar(web.resources, 'cpus'), 2);
    assert.deepEqual(alloc.agentAvailable('a0'), []);
  });

  test('a role may use unreserved and its own reserved resources together', () => {
    const { alloc } = setup(0);
    alloc.addAgent('a0', parseResources('cpus(web):2;cpus:4;mem:4096'));
    alloc.addFramework('webfw', { roles: ['web'] });
    const [only] = alloc.allocate();
    assert.equal(scalar(only!.resources, 'cpus'), 6);
    assert.equal(only!.resources.length, 3);
  });

  test('roleSummary lists reserved roles and weighted roles without frameworks', () => {
    const { alloc } = setup(0, AGENT, { weights: new Map([['heavy', 3]]) });
    alloc.addAgent('a0', parseResources('cpus(ops):1;mem:64'));
    assert.deepEqual(
      alloc.roleSummary().map((r) => [r.role, r.weight, r.frameworks, r.allocated]),
      [
        ['heavy', 3, [], []],
        ['ops', 1, [], []],
      ],
    );
    alloc.removeAgent('a0');
    alloc.setWeights(new Map());
    assert.deepEqual(alloc.roleSummary(), []);
  });

  test('MULTI_ROLE: a framework is considered in each of its roles', () => {
    const { alloc } = setup(2);
    alloc.addFramework('multi', { roles: ['a', 'b'] });
    const out = alloc.allocate();
    assert.deepEqual(out.map((a) => a.role).sort(), ['a', 'b']);
    for (const a of out) assert.ok(a.resources.every((r) => r.allocation_info?.role === a.role));
    assert.equal(alloc.roleShare('a'), 0.5);
    assert.equal(alloc.roleShare('b'), 0.5);
    assert.equal(alloc.frameworkShare('multi'), 1);
    // Suppressing one role leaves the other offered.
    for (const a of out) alloc.recoverResources('multi', a.agentId, a.resources);
    alloc.suppress('multi', ['a']);
    const next = alloc.allocate();
    assert.deepEqual(
      next.map((a) => a.role),
      ['b', 'b'],
    );
  });
});

describe('suppress, revive and refuse filters', () => {
  test('a suppressed framework gets no offers until it revives', () => {
    const { alloc } = setup(2);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.addFramework('f2', { roles: ['*'], suppressedRoles: ['*'] });
    const out = alloc.allocate();
    assert.equal(count(out, 'f2'), 0);
    assert.equal(count(out, 'f1'), 2);
    alloc.suppress('f1');
    for (const a of out) alloc.recoverResources('f1', a.agentId, a.resources);
    assert.deepEqual(alloc.allocate(), [], 'everyone suppressed');
    alloc.revive('f2');
    assert.equal(count(alloc.allocate(), 'f2'), 2);
  });

  test('a refuse filter holds until it expires (fake clock)', () => {
    const { alloc, clock } = setup(1);
    alloc.addFramework('f', { roles: ['*'] });
    assert.equal(alloc.nextFilterExpiry(), undefined);
    const [offer] = alloc.allocate();
    alloc.recoverResources('f', offer!.agentId, offer!.resources, 5);
    assert.equal(alloc.nextFilterExpiry(), clock.ms + 5000);
    assert.deepEqual(alloc.allocate(), []);
    clock.ms += 4999;
    assert.deepEqual(alloc.allocate(), []);
    clock.ms += 1;
    const again = alloc.allocate();
    assert.equal(again.length, 1);
    assert.equal(alloc.nextFilterExpiry(), undefined, 'expired filters are dropped');
  });

  test('a filter covers only subsets of what was refused, and only that framework', () => {
    const { alloc } = setup(1);
    alloc.addFramework('f', { roles: ['*'] });
    const [offer] = alloc.allocate();
    const [part, rest] = [parseResources('cpus:1;mem:1024'), parseResources('cpus:3;mem:3072;disk:10000;ports:[31000-32000]')];
    const stamp = (r: Resource[]) => r.map((x) => ({ ...x, allocation_info: { role: '*' } }));
    assert.equal(offer!.resources.length, 4);
    alloc.recoverResources('f', 'a0', stamp(rest), 60);
    assert.deepEqual(alloc.allocate(), [], 'the refused resources are filtered');
    // A task finishing frees more than was refused: that is offered.
    alloc.recoverResources('f', 'a0', stamp(part));
    const [bigger] = alloc.allocate();
    assert.equal(scalar(bigger!.resources, 'cpus'), 4);
    // Another framework is not affected by f's filter.
    alloc.recoverResources('f', 'a0', bigger!.resources, 60);
    alloc.addFramework('g', { roles: ['*'] });
    const forG = alloc.allocate();
    assert.deepEqual(
      forG.map((a) => a.frameworkId),
      ['g'],
    );
  });

  test('revive clears every refuse filter of the framework', () => {
    const { alloc } = setup(2);
    alloc.addFramework('f', { roles: ['*'] });
    for (const a of alloc.allocate()) alloc.recoverResources('f', a.agentId, a.resources, 3600);
    assert.deepEqual(alloc.allocate(), []);
    alloc.revive('f');
    assert.equal(alloc.nextFilterExpiry(), undefined);
    assert.equal(alloc.allocate().length, 2);
  });

  test('refuse_seconds 0 sets no filter; negative uses the 5 s default', () => {
    const { alloc, clock } = setup(1);
    alloc.addFramework('f', { roles: ['*'] });
    let [a] = alloc.allocate();
    alloc.recoverResources('f', 'a0', a!.resources, 0);
    [a] = alloc.allocate();
    assert.ok(a);
    alloc.recoverResources('f', 'a0', a.resources, -1);
    assert.equal(alloc.nextFilterExpiry(), clock.ms + 5000);
  });
});

describe('agents every framework has refused', () => {
  /** 50 agents, 20 frameworks; every framework declined every agent for an hour. */
  function allRefused() {
    const { alloc, clock } = setup(50);
    for (let f = 0; f < 20; f++) alloc.addFramework(`f${f}`, { roles: ['*'] });
    for (let round = 0; round < 20; round++) {
      const out = alloc.allocate();
      for (const a of out) alloc.recoverResources(a.frameworkId, a.agentId, a.resources, 3600);
    }
    assert.deepEqual(alloc.allocate(), [], 'nothing left to offer');
    return { alloc, clock };
  }

  test('are not checked again while nothing they depend on changes', () => {
    const { alloc } = allRefused();
    const visited = alloc.agentsVisited;
    assert.deepEqual(alloc.allocate(), []);
    assert.equal(alloc.agentsVisited, visited, 'no agent visited: their frameworks were all checked before');
    // A framework suppressing itself adds no one who could take them.
    alloc.suppress('f3');
    assert.deepEqual(alloc.allocate(), []);
    assert.equal(alloc.agentsVisited, visited);
  });

  test('are offered again when their resources change', () => {
    const { alloc } = allRefused();
    const visited = alloc.agentsVisited;
    // The agent grows: more than any framework refused there, so the filters no longer cover it.
    alloc.updateAgentTotal('a7', parseResources('cpus:8;mem:8192;disk:10000;ports:[31000-32000]'));
    const out = alloc.allocate();
    assert.deepEqual(
      out.map((a) => a.agentId),
      ['a7'],
    );
    assert.equal(scalar(out[0]!.resources, 'cpus'), 8);
    assert.equal(alloc.agentsVisited, visited + 1, 'only the agent that changed was visited');
  });

  test('are offered again when a filter goes (expiry, revive)', () => {
    const { alloc, clock } = allRefused();
    const visited = alloc.agentsVisited;
    alloc.revive('f5');
    const revived = alloc.allocate();
    assert.equal(revived.length, 50, 'f5 takes every agent once its filters are gone');
    assert.ok(revived.every((a) => a.frameworkId === 'f5'));
    assert.ok(alloc.agentsVisited > visited);
    for (const a of revived) alloc.recoverResources('f5', a.agentId, a.resources, 10);
    assert.deepEqual(alloc.allocate(), []);
    clock.ms += 10_000;
    assert.equal(alloc.allocate().length, 50, 'offered again when the 10 s filters expire');
  });

  test('a filter expiring on one agent sends only that agent back through the frameworks', () => {
    const { alloc, clock } = allRefused();
    alloc.addAgent('b', parseResources(AGENT));
    for (let round = 0; round < 20; round++) {
      for (const a of alloc.allocate()) alloc.recoverResources(a.frameworkId, a.agentId, a.resources, 10);
    }
    assert.deepEqual(alloc.allocate(), []);
    const visited = alloc.agentsVisited;
    clock.ms += 10_000;
    const out = alloc.allocate();
    assert.deepEqual(
      out.map((a) => a.agentId),
      ['b'],
    );
    assert.equal(alloc.agentsVisited, visited + 1, 'the 50 agents refused for an hour were not visited');
  });

  test('are offered to a framework that subscribes or unsuppresses', () => {
    const { alloc } = allRefused();
    alloc.suppress('f1');
    alloc.addFramework('late', { roles: ['*'] });
    const out = alloc.allocate();
    assert.equal(out.length, 50);
    assert.ok(out.every((a) => a.frameworkId === 'late'));
  });
});

describe('agents and frameworks coming and going', () => {
  test('deactivated agents are not offered', () => {
    const { alloc } = setup(2);
    alloc.deactivateAgent('a0');
    alloc.addFramework('f', { roles: ['*'] });
    assert.deepEqual(
      alloc.allocate().map((a) => a.agentId),
      ['a1'],
    );
    alloc.activateAgent('a0');
    assert.deepEqual(
      alloc.allocate().map((a) => a.agentId),
      ['a0'],
    );
  });

  test('inactive frameworks keep allocations but get no offers', () => {
    const { alloc } = setup(2);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.addFramework('f2', { roles: ['*'] });
    const out = alloc.allocate();
    alloc.deactivateFramework('f1');
    assert.equal(alloc.frameworkShare('f1'), 0.5, 'allocations are kept');
    for (const a of out) alloc.recoverResources(a.frameworkId, a.agentId, a.resources);
    assert.deepEqual(
      alloc.allocate().map((a) => a.frameworkId),
      ['f2', 'f2'],
    );
    alloc.activateFramework('f1');
    alloc.recoverResources(
      'f2',
      'a0',
      parseResources(AGENT).map((r) => ({ ...r, allocation_info: { role: '*' } })),
    );
    assert.deepEqual(
      alloc.allocate().map((a) => [a.frameworkId, a.agentId]),
      [['f1', 'a0']],
      'active again, and holding less than f2',
    );
  });

  test('removeFramework returns its resources to the pool', () => {
    const { alloc } = setup(2);
    alloc.addFramework('f1', { roles: ['*'] });
    assert.equal(alloc.allocate().length, 2);
    assert.deepEqual(alloc.agentAvailable('a0'), []);
    alloc.removeFramework('f1');
    assert.deepEqual(alloc.agentAvailable('a0'), parseResources(AGENT));
    assert.deepEqual(alloc.roleSummary(), []);
    alloc.addFramework('f2', { roles: ['*'] });
    assert.equal(count(alloc.allocate(), 'f2'), 2);
  });

  test('removeAgent drops its resources from totals and allocations', () => {
    const { alloc } = setup(2);
    alloc.addFramework('f', { roles: ['*'] });
    alloc.allocate();
    assert.equal(alloc.frameworkShare('f'), 1);
    alloc.removeAgent('a0');
    assert.equal(alloc.frameworkShare('f'), 1);
    assert.deepEqual(alloc.agentAvailable('a0'), []);
    alloc.addAgent('a2', parseResources(AGENT));
    assert.equal(alloc.frameworkShare('f'), 0.5);
  });

  test('used resources at agent re-registration count in shares', () => {
    const { alloc } = setup(0);
    alloc.addFramework('f1', { roles: ['*'] });
    alloc.addFramework('f2', { roles: ['*'] });
    alloc.addAgent('a0', parseResources(AGENT), new Map([['f1', parseResources('cpus:2;mem:2048')]]));
    alloc.addAgent('a1', parseResources(AGENT));
    assert.equal(alloc.frameworkShare('f1'), 0.25);
    assert.deepEqual(alloc.agentAvailable('a0'), parseResources('cpus:2;mem:2048;disk:10000;ports:[31000-32000]'));
    const out = alloc.allocate();
    // f2 holds nothing, so it comes first on whichever agent is visited first.
    assert.equal(out[0]!.frameworkId, 'f2');
    assert.equal(out.length, 2);
    // Task resources come back without allocation_info (frameworks may omit it).
    const f1Before = alloc.frameworkShare('f1');
    alloc.recoverResources('f1', 'a0', parseResources('cpus:2;mem:2048'));
    assert.deepEqual(alloc.agentAvailable('a0'), parseResources('cpus:2;mem:2048'));
    assert.ok(alloc.frameworkShare('f1') < f1Before);
  });

  test('tasks reported before their framework re-registers count once it does', () => {
    const { alloc } = setup(1);
    alloc.addAgent('a1', parseResources(AGENT), new Map([['late', parseResources('cpus:4;mem:4096')]]));
    assert.equal(alloc.roleShare('*'), 0.5);
    alloc.addFramework('late', { roles: ['*'] }, new Map([['a1', parseResources('cpus:4;mem:4096')]]));
    assert.equal(alloc.frameworkShare('late'), 0.5, 'the agent report is not counted twice');
    alloc.addFramework('other', { roles: ['*'] });
    assert.deepEqual(
      alloc.allocate().map((a) => [a.frameworkId, a.agentId]),
      [['other', 'a0']],
    );
  });

  test('addFramework with used resources on a known agent', () => {
    const { alloc } = setup(2);
    alloc.addFramework('f', { roles: ['*'] }, new Map([['a1', parseResources('cpus:1;mem:128')]]));
    assert.equal(alloc.frameworkShare('f'), 1 / 8);
    assert.equal(scalar(alloc.agentAvailable('a1'), 'cpus'), 3);
  });

  test('updateAgentTotal keeps allocations and changes what is available', () => {
    const { alloc } = setup(1);
    alloc.addFramework('f', { roles: ['*'] }, new Map([['a0', parseResources('cpus:1;mem:128')]]));
    alloc.updateAgentTotal('a0', parseResources('cpus:8;mem:8192'));
    assert.deepEqual(alloc.agentAvailable('a0'), parseResources('cpus:7;mem:8064'));
    assert.equal(alloc.frameworkShare('f'), 1 / 8);
  });

  test('updateFramework moves a framework between roles', () => {
    const { alloc } = setup(1);
    alloc.addFramework('f', { roles: ['a'] });
    const [first] = alloc.allocate();
    alloc.addAgent('a1', parseResources(AGENT));
    alloc.updateFramework('f', { roles: ['b'] });
    const [second] = alloc.allocate();
    assert.equal(first!.role, 'a');
    assert.equal(second!.role, 'b');
    assert.deepEqual(
      alloc.roleSummary().map((r) => [r.role, r.frameworks]),
      [
        ['a', ['f']],
        ['b', ['f']],
      ],
      'still tracked under a while it holds resources there',
    );
    alloc.recoverResources('f', first!.agentId, first!.resources);
    assert.deepEqual(
      alloc.roleSummary().map((r) => r.role),
      ['b'],
    );
  });
});

describe('min allocatable', () => {
  test('agents with less than the minimum are not offered', () => {
    const { alloc } = setup(0);
    alloc.addAgent('tiny', parseResources('mem:16;disk:100'));
    alloc.addAgent('cpu', parseResources('cpus:0.01'));
    alloc.addFramework('f', { roles: ['*'] });
    assert.deepEqual(
      alloc.allocate().map((a) => a.agentId),
      ['cpu'],
    );
  });

  test('a custom minimum, and [] meaning anything', () => {
    const strict = setup(0, AGENT, { minAllocatable: parseMinAllocatable('cpus:1;mem:1024') });
    strict.alloc.addAgent('small', parseResources('cpus:2;mem:512'));
    strict.alloc.addFramework('f', { roles: ['*'] });
    assert.deepEqual(strict.alloc.allocate(), []);
    const loose = setup(0, AGENT, { minAllocatable: [] });
    loose.alloc.addAgent('ports-only', parseResources('ports:[1-2]'));
    loose.alloc.addFramework('f', { roles: ['*'] });
    assert.equal(loose.alloc.allocate().length, 1);
  });

  test('leftovers below the minimum stay on the agent', () => {
    const { alloc } = setup(1);
    alloc.addFramework('f', { roles: ['*'] });
    const [a] = alloc.allocate();
    // The framework uses almost everything and returns crumbs.
    const crumbs = parseResources('cpus:0.005;mem:8').map((r) => ({ ...r, allocation_info: { role: '*' } }));
    alloc.recoverResources('f', 'a0', crumbs);
    assert.deepEqual(alloc.allocate(), []);
    assert.deepEqual(unallocated(alloc.agentAvailable('a0')), parseResources('cpus:0.005;mem:8'));
    assert.ok(a);
  });
});

describe('scale', () => {
  test('allocate() over 10k agents x 1k frameworks', () => {
    const { alloc } = setup(10_000);
    for (let f = 0; f < 1000; f++) alloc.addFramework(`f${String(f).padStart(4, '0')}`, { roles: [`role${f % 10}`] });
    const t0 = performance.now();
    const out = alloc.allocate();
    const t1 = performance.now();
    const again = alloc.allocate();
    const t2 = performance.now();
    console.log(`allocate() 10000 agents x 1000 frameworks: first ${(t1 - t0).toFixed(1)} ms; nothing to do ${(t2 - t1).toFixed(1)} ms`);
    assert.equal(out.length, 10_000);
    assert.equal(new Set(out.map((a) => a.agentId)).size, 10_000, 'each agent offered once');
    const perFramework = byFramework(out);
    assert.equal(perFramework.size, 1000);
    for (const list of perFramework.values()) assert.equal(list.length, 10, 'DRF spreads identical agents evenly');
    assert.deepEqual(again, []);
    // Free one agent per framework of role0; they go back to role0, the role that now holds less.
    for (const [id, list] of perFramework) if (id.endsWith('0')) alloc.recoverResources(id, list[0]!.agentId, list[0]!.resources);
    const t3 = performance.now();
    const refill = alloc.allocate();
    console.log(`allocate() after freeing 100 agents: ${(performance.now() - t3).toFixed(1)} ms`);
    assert.equal(refill.length, 100);
    assert.ok(refill.every((a) => a.role === 'role0'));
    // Everything back, everything out again: a full pass with the code warmed up.
    for (const a of [...out, ...refill]) alloc.recoverResources(a.frameworkId, a.agentId, a.resources);
    const t4 = performance.now();
    const full = alloc.allocate();
    console.log(`allocate() full pass again (warm): ${(performance.now() - t4).toFixed(1)} ms`);
    assert.equal(full.length, 10_000);
    for (const list of byFramework(full).values()) assert.equal(list.length, 10);
  });
});

describe('allocation pacing', () => {
  test('short runs follow each other at once; a long run is followed by a pause as long', () => {
    assert.equal(allocationPauseMs(0, 0), 0, 'no run yet');
    assert.equal(allocationPauseMs(2, 0), 0);
    assert.equal(allocationPauseMs(5, 0), 0);
    assert.equal(allocationPauseMs(400, 0), 400, 'asked for right after a 400 ms run');
    assert.equal(allocationPauseMs(400, 150), 250, 'the time since counts');
    assert.equal(allocationPauseMs(400, 900), 0);
    assert.equal(allocationPauseMs(Number.NaN, 0), 0);
  });
});
