// /metrics/prometheus of a running master and agent, read by a Prometheus text-format parser from
// npm and checked against /metrics/snapshot: every Mesos metric appears under its documented
// name (`mesos_` + the name with `/` and other invalid characters as `_`; timers as a summary
// plus _last/_min/_max gauges) with the value /metrics/snapshot gives it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { type Daemon, runMesos, startAgent, startMaster } from '../helpers/cluster.ts';

let master: Daemon;
let agent: Daemon;

before(async () => {
  master = await startMaster();
  agent = await startAgent(master);
  const res = await runMesos(['execute', `--master=127.0.0.1:${master.port}`, '--name=prom-task', '--command=true']);
  assert.equal(res.code, 0, res.stdout + res.stderr);
});
after(async () => {
  await agent?.stop();
  await master?.stop();
});

const promName = (mesosName: string) => `mesos_${mesosName.replace(/[^a-zA-Z0-9_]/g, '_')}`;

interface Scrape {
  before: Record<string, number>;
  families: Map<string, ParsedFamily>;
  after: Record<string, number>;
}

/** Snapshot, Prometheus, snapshot again; retried while a timer took a sample in between. */
async function scrape(d: Daemon, path = '/metrics/prometheus'): Promise<Scrape> {
  for (let attempt = 0; ; attempt++) {
    const first = await d.json<Record<string, number>>('/metrics/snapshot');
    const res = await fetch(`${d.url}${path}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const second = await d.json<Record<string, number>>('/metrics/snapshot');
    const counts = Object.keys(first).filter((k) => k.endsWith('/count'));
    if (attempt < 10 && counts.some((k) => first[k] !== second[k])) continue;
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    return { before: first, families, after: second };
  }
}

/** Checks every snapshot metric against its Prometheus sample; returns the families it matched. */
function compare(s: Scrape): Set<string> {
  const seen = new Set<string>();
  const timers = new Set(Object.keys(s.before).flatMap((k) => (k.endsWith('/count') ? [k.slice(0, -'/count'.length)] : [])));
  for (const [name, was] of Object.entries(s.before)) {
    const now = s.after[name];
    assert.equal(typeof now, 'number', name);
    const timer = [...timers].find((t) => name === t || name.startsWith(`${t}/`));
    let family: string;
    let value: string | undefined;
    if (timer === undefined) {
      family = promName(name);
      value = s.families.get(family)?.metrics[0]?.value;
    } else {
      const part = name.slice(timer.length + 1);
      const summary = s.families.get(promName(timer));
      assert.equal(summary?.type, 'SUMMARY', timer);
      if (part === '' || part === 'min' || part === 'max') {
        family = `${promName(timer)}_${part || 'last'}`;
        value = s.families.get(family)?.metrics[0]?.value;
      } else {
        family = promName(timer);
        value = part === 'count' ? summary!.metrics[0]!.count : summary!.metrics[0]!.quantiles?.[String(Number(`0.${part.slice(1)}`))];
      }
    }
    assert.notEqual(value, undefined, `${name} as ${family}`);
    const got = Number(value);
    if (was === now) assert.equal(got, was, `${name} as ${family}`);
    else assert.ok(got >= Math.min(was, now!) && got <= Math.max(was, now!), `${name} as ${family}: ${got} not within ${was}..${now}`);
    const help = s.families.get(family)!.help;
    assert.ok(
      help.endsWith(`(Mesos: ${name})`) || help.endsWith(`(Mesos: ${timer})`) || help === `Mesos metric ${name}`,
      `${family}: ${help}`,
    );
    seen.add(family);
  }
  return seen;
}

test('the master: every /metrics/snapshot metric, same value, and nothing else', async () => {
  const s = await scrape(master);
  const seen = compare(s);
  assert.deepEqual(
    [...s.families.keys()].filter((f) => !seen.has(f)),
    [],
  );
  assert.equal(s.before['master/elected'], 1);
  assert.equal(s.families.get('mesos_master_elected')!.metrics[0]!.value, '1');
  assert.equal(s.families.get('mesos_master_elected')!.type, 'GAUGE');
  assert.equal(s.families.get('mesos_master_tasks_finished')!.type, 'COUNTER');
  assert.ok(Number(s.families.get('mesos_master_tasks_finished')!.metrics[0]!.value) >= 1);
  assert.equal(s.families.get('mesos_master_tasks_running')!.type, 'GAUGE');
  assert.equal(s.families.get('mesos_allocator_mesos_allocation_runs')!.type, 'COUNTER');
  const run = s.families.get('mesos_allocator_mesos_allocation_run_ms')!;
  assert.equal(run.metrics[0]!.count, String(s.before['allocator/mesos/allocation_run_ms/count']));
  assert.ok(Number(run.metrics[0]!.sum) >= Number(s.families.get('mesos_allocator_mesos_allocation_run_ms_max')!.metrics[0]!.value));
  assert.equal(
    s.families.get('mesos_master_elected')!.help,
    'Whether this master is the elected leader (1) or not (0) (Mesos: master/elected)',
  );
});

test('the agent: every /metrics/snapshot metric, same value, and nothing else', async () => {
  const s = await scrape(agent);
  const seen = compare(s);
  assert.deepEqual(
    [...s.families.keys()].filter((f) => !seen.has(f)),
    [],
  );
  assert.equal(s.families.get('mesos_slave_registered')!.metrics[0]!.value, '1');
  assert.equal(s.families.get('mesos_slave_tasks_finished')!.type, 'COUNTER');
  assert.ok(Number(s.families.get('mesos_slave_tasks_finished')!.metrics[0]!.value) >= 1);
});

test('the other spellings: /master/metrics/prometheus and the agent under /slave(1)', async () => {
  for (const [d, path] of [
    [master, '/master/metrics/prometheus'],
    [agent, '/slave(1)/metrics/prometheus'],
  ] as const) {
    const s = await scrape(d, path);
    assert.ok(s.families.size > 20, path);
  }
  const bad = await fetch(`${master.url}/metrics/prometheus?timeout=soon`);
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /^Invalid timeout 'soon'/);
});
