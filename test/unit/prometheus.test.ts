import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { MetricSet } from '../../daemons/common/metric-set.ts';
import { type Family, prometheusFamilies, prometheusName } from '../../daemons/common/prometheus-families.ts';
import { escapeHelp, escapeLabelValue, exposition, formatValue } from '../../daemons/common/prometheus-text.ts';
import { TimerStats } from '../../daemons/common/timer-stats.ts';

const set = (s: Partial<MetricSet>): MetricSet => ({ counters: {}, gauges: {}, timers: [], ...s });
const byName = (families: Family[]) => new Map(families.map((f) => [f.name, f]));

describe('prometheusName', () => {
  it('prefixes mesos_ and turns / and every other character outside [a-zA-Z0-9_] into _', () => {
    assert.equal(prometheusName('master/tasks_running'), 'mesos_master_tasks_running');
    assert.equal(prometheusName('allocator/mesos/allocation_run_ms'), 'mesos_allocator_mesos_allocation_run_ms');
    assert.equal(prometheusName('frameworks/web-ui.v2@x/messages_received'), 'mesos_frameworks_web_ui_v2_x_messages_received');
    // Colons are valid in Prometheus names but reserved for recording rules.
    assert.equal(prometheusName('a:b c'), 'mesos_a_b_c');
    // One _ per character, not per UTF-16 unit.
    assert.equal(prometheusName('p/é😀'), 'mesos_p___');
  });
});

describe('prometheusFamilies', () => {
  it('types counters as counter and gauges as gauge, one sample each, ordered by Mesos name', () => {
    const families = prometheusFamilies(
      set({ counters: { 'master/tasks_finished': 3 }, gauges: { 'master/tasks_running': 2, 'master/elected': 1 } }),
    );
    assert.deepEqual(
      families.map((f) => [f.name, f.type, f.samples]),
      [
        ['mesos_master_elected', 'gauge', [{ name: 'mesos_master_elected', labels: [], value: 1 }]],
        ['mesos_master_tasks_finished', 'counter', [{ name: 'mesos_master_tasks_finished', labels: [], value: 3 }]],
        ['mesos_master_tasks_running', 'gauge', [{ name: 'mesos_master_tasks_running', labels: [], value: 2 }]],
      ],
    );
  });

  it('writes a description and the Mesos name in HELP, or the Mesos name alone when it has no description', () => {
    const f = byName(prometheusFamilies(set({ gauges: { 'master/tasks_running': 2, 'master/something_new': 5 } })));
    assert.equal(f.get('mesos_master_tasks_running')!.help, 'Tasks in state TASK_RUNNING now (Mesos: master/tasks_running)');
    assert.equal(f.get('mesos_master_something_new')!.help, 'Mesos metric master/something_new');
  });

  it('makes a timer a summary with quantile labels, _sum and _count, and gauges for its last value, min and max', () => {
    const t = new TimerStats('allocator/mesos/allocation_run_ms');
    for (const v of [5, 1, 3, 2, 4]) t.record(v);
    const r = t.reading()!;
    const f = byName(prometheusFamilies(set({ timers: [r] })));
    const summary = f.get('mesos_allocator_mesos_allocation_run_ms')!;
    assert.equal(summary.type, 'summary');
    const p = (suffix: string) => r.percentiles.find((x) => x.suffix === suffix)!.value;
    assert.equal(p('p50'), 3);
    assert.deepEqual(
      summary.samples.map((s) => [s.name, s.labels, s.value]),
      [
        ['mesos_allocator_mesos_allocation_run_ms', [['quantile', '0.5']], p('p50')],
        ['mesos_allocator_mesos_allocation_run_ms', [['quantile', '0.9']], p('p90')],
        ['mesos_allocator_mesos_allocation_run_ms', [['quantile', '0.95']], p('p95')],
        ['mesos_allocator_mesos_allocation_run_ms', [['quantile', '0.99']], p('p99')],
        ['mesos_allocator_mesos_allocation_run_ms', [['quantile', '0.999']], p('p999')],
        ['mesos_allocator_mesos_allocation_run_ms', [['quantile', '0.9999']], p('p9999')],
        ['mesos_allocator_mesos_allocation_run_ms_sum', [], 15],
        ['mesos_allocator_mesos_allocation_run_ms_count', [], 5],
      ],
    );
    for (const [suffix, value] of [
      ['last', 4],
      ['min', 1],
      ['max', 5],
    ] as const) {
      const g = f.get(`mesos_allocator_mesos_allocation_run_ms_${suffix}`)!;
      assert.equal(g.type, 'gauge', suffix);
      assert.deepEqual(g.samples, [{ name: g.name, labels: [], value }]);
    }
    assert.match(summary.help, /^Time spent in the allocation algorithm, in milliseconds.*\(Mesos: allocator\/mesos\/allocation_run_ms\)$/);
  });

  it('renames names that collide after the rule: the first Mesos name in code-unit order keeps it, the next get _2, _3', () => {
    const counters = {
      'frameworks/a.b/messages_received': 2,
      'frameworks/a_b/messages_received': 3,
      'frameworks/a-b/messages_received': 1,
    };
    for (const order of [Object.entries(counters), Object.entries(counters).reverse()]) {
      const families = prometheusFamilies(set({ counters: Object.fromEntries(order) }));
      assert.deepEqual(
        families.map((f) => [f.name, f.samples[0]!.value, f.help.endsWith(')')]),
        [
          ['mesos_frameworks_a_b_messages_received', 1, true],
          ['mesos_frameworks_a_b_messages_received_2', 2, true],
          ['mesos_frameworks_a_b_messages_received_3', 3, true],
        ],
      );
      assert.match(families[1]!.help, /\(Mesos: frameworks\/a\.b\/messages_received\)$/);
    }
  });

  it("renames a timer's families together, and a metric that would take a name a timer emits", () => {
    const timers = [timer('y_ms', [1])];
    // 'y_ms' sorts before 'y_ms_count': the timer keeps its names, the gauge moves.
    let f = byName(prometheusFamilies(set({ gauges: { y_ms_count: 7 }, timers })));
    assert.equal(f.get('mesos_y_ms')!.type, 'summary');
    assert.equal(f.get('mesos_y_ms')!.samples.at(-1)!.name, 'mesos_y_ms_count');
    assert.deepEqual(f.get('mesos_y_ms_count_2')!.samples, [{ name: 'mesos_y_ms_count_2', labels: [], value: 7 }]);
    // 'y/ms_sum' sorts before 'y_ms': every name of the timer moves to _2.
    f = byName(prometheusFamilies(set({ gauges: { 'y/ms_sum': 8 }, timers })));
    assert.equal(f.get('mesos_y_ms_sum')!.type, 'gauge');
    assert.deepEqual(
      [...f.values()].flatMap((x) => x.samples.map((s) => s.name)).filter((n) => n.startsWith('mesos_y_ms_2')),
      [
        'mesos_y_ms_2',
        'mesos_y_ms_2',
        'mesos_y_ms_2',
        'mesos_y_ms_2',
        'mesos_y_ms_2',
        'mesos_y_ms_2',
        'mesos_y_ms_2_sum',
        'mesos_y_ms_2_count',
        'mesos_y_ms_2_last',
        'mesos_y_ms_2_min',
        'mesos_y_ms_2_max',
      ],
    );
  });
});

describe('exposition text', () => {
  it('escapes backslash and newline in HELP, and backslash, quote and newline in label values', () => {
    assert.equal(escapeHelp('a\\b\nc"d'), 'a\\\\b\\nc"d');
    assert.equal(escapeLabelValue('a\\b\nc"d'), 'a\\\\b\\nc\\"d');
  });

  it('writes NaN and infinities as Prometheus spells them, other numbers as JavaScript does', () => {
    assert.equal(formatValue(Number.NaN), 'NaN');
    assert.equal(formatValue(Number.POSITIVE_INFINITY), '+Inf');
    assert.equal(formatValue(Number.NEGATIVE_INFINITY), '-Inf');
    assert.equal(formatValue(0.25), '0.25');
    assert.equal(formatValue(-3), '-3');
    assert.equal(formatValue(1e21), '1e+21');
  });

  it('writes HELP and TYPE before each family, one sample a line, a newline at the end', () => {
    const text = exposition([
      { name: 'mesos_a', type: 'gauge', help: 'A', samples: [{ name: 'mesos_a', labels: [], value: 1 }] },
      {
        name: 'mesos_b',
        type: 'summary',
        help: 'B',
        samples: [
          { name: 'mesos_b', labels: [['quantile', '0.5']], value: 2 },
          { name: 'mesos_b_sum', labels: [], value: 4 },
          { name: 'mesos_b_count', labels: [], value: 2 },
        ],
      },
    ]);
    assert.equal(
      text,
      '# HELP mesos_a A\n# TYPE mesos_a gauge\nmesos_a 1\n' +
        '# HELP mesos_b B\n# TYPE mesos_b summary\nmesos_b{quantile="0.5"} 2\nmesos_b_sum 4\nmesos_b_count 2\n',
    );
    assert.equal(exposition([]), '');
  });

  it('reads back through a Prometheus text-format parser: escapes, special values, summaries', () => {
    const t = timer('t_ms', [1, 2, 4]);
    const text = exposition([
      {
        name: 'mesos_odd',
        type: 'gauge',
        help: 'back\\slash\nnew line',
        samples: [{ name: 'mesos_odd', labels: [['l', 'q"\\\n']], value: Number.NaN }],
      },
      { name: 'mesos_big', type: 'counter', help: 'x', samples: [{ name: 'mesos_big', labels: [], value: Number.POSITIVE_INFINITY }] },
      { name: 'mesos_small', type: 'gauge', help: 'y', samples: [{ name: 'mesos_small', labels: [], value: Number.NEGATIVE_INFINITY }] },
      ...prometheusFamilies(set({ timers: [t] })),
    ]);
    const parsed = parsePrometheusTextFormat(text);
    const odd = parsed.find((f) => f.name === 'mesos_odd')!;
    assert.equal(odd.help, 'back\\slash\nnew line');
    assert.equal(odd.type, 'GAUGE');
    assert.deepEqual(odd.metrics, [{ value: 'NaN', labels: { l: 'q"\\\n' } }]);
    assert.equal(parsed.find((f) => f.name === 'mesos_big')!.metrics[0]!.value, '+Inf');
    assert.equal(parsed.find((f) => f.name === 'mesos_small')!.metrics[0]!.value, '-Inf');
    const summary = parsed.find((f) => f.name === 'mesos_t_ms')!;
    assert.equal(summary.type, 'SUMMARY');
    assert.deepEqual(summary.metrics, [
      { quantiles: Object.fromEntries(t.percentiles.map((x) => [String(x.q), String(x.value)])), sum: '7', count: '3' },
    ]);
    assert.equal(summary.metrics[0]!.quantiles!['0.5'], '2');
  });
});

function timer(name: string, samples: number[]) {
  const t = new TimerStats(name);
  for (const v of samples) t.record(v);
  return t.reading()!;
}
