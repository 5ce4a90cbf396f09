import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerStats, quantile, timerEntries } from '../../daemons/common/timer-stats.ts';

describe('TimerStats', () => {
  it('publishes nothing before the first sample', () => {
    assert.deepEqual(new TimerStats('a/b_ms').snapshot(), {});
  });

  it('publishes the last value, count, min, max and percentiles under the libprocess names', () => {
    const t = new TimerStats('allocator/mesos/allocation_run_ms');
    for (const v of [5, 1, 3, 2, 4]) t.record(v);
    const s = t.snapshot();
    assert.equal(s['allocator/mesos/allocation_run_ms'], 4);
    assert.equal(s['allocator/mesos/allocation_run_ms/count'], 5);
    assert.equal(s['allocator/mesos/allocation_run_ms/min'], 1);
    assert.equal(s['allocator/mesos/allocation_run_ms/max'], 5);
    assert.equal(s['allocator/mesos/allocation_run_ms/p50'], 3);
    assert.equal(s['allocator/mesos/allocation_run_ms/p90'], 4.6);
    assert.deepEqual(
      Object.keys(s)
        .map((k) => k.slice('allocator/mesos/allocation_run_ms'.length))
        .sort(),
      ['', '/count', '/max', '/min', '/p50', '/p90', '/p95', '/p99', '/p999', '/p9999'],
    );
  });

  it('keeps percentiles over the most recent window while counting every sample', () => {
    const t = new TimerStats('x_ms', 4);
    for (let i = 1; i <= 10; i++) t.record(i * 100);
    const s = t.snapshot();
    assert.equal(s['x_ms/count'], 10);
    assert.equal(s['x_ms/min'], 700);
    assert.equal(s['x_ms/max'], 1000);
  });

  it('sorts numerically, not as strings', () => {
    const t = new TimerStats('y_ms');
    for (const v of [10, 9, 100]) t.record(v);
    assert.equal(t.snapshot()['y_ms/min'], 9);
    assert.equal(t.snapshot()['y_ms/max'], 100);
  });

  it('reads as one record: last, count and sum since start, min, max and percentiles of the window', () => {
    assert.equal(new TimerStats('z_ms').reading(), undefined);
    const t = new TimerStats('z_ms', 2);
    for (const v of [1, 2, 3]) t.record(v);
    const r = t.reading()!;
    assert.equal(r.name, 'z_ms');
    assert.equal(r.last, 3);
    assert.equal(r.count, 3);
    assert.equal(r.sum, 6);
    assert.equal(r.min, 2);
    assert.equal(r.max, 3);
    assert.deepEqual(
      r.percentiles.map((p) => p.suffix),
      ['p50', 'p90', 'p95', 'p99', 'p999', 'p9999'],
    );
    // p999 is the 0.999 quantile: the digits after the p are the fraction's.
    for (const p of r.percentiles) assert.equal(p.q, Number(`0.${p.suffix.slice(1)}`), p.suffix);
    assert.equal(r.percentiles[0]!.value, 2.5);
    assert.deepEqual(timerEntries(r), t.snapshot());
  });

  it('interpolates between ranks', () => {
    assert.equal(quantile([0, 10], 0.25), 2.5);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});
