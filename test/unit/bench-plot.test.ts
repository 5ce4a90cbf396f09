import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineChartSvg, ticks } from '../bench/plot.ts';
import { offerCycles } from '../bench/scale.ts';

describe('bench plot', () => {
  it('picks round ticks that cover the data', () => {
    assert.deepEqual(ticks(10_000, 5), [0, 2000, 4000, 6000, 8000, 10_000]);
    assert.deepEqual(ticks(37, 5), [0, 10, 20, 30, 40]);
    assert.deepEqual(ticks(0), [0]);
  });

  it('draws one polyline per series, scaled into the plot, with escaped labels', () => {
    const svg = lineChartSvg({
      title: 'latency <vs> agents',
      xLabel: 'agents',
      yLabel: 'ms',
      series: [
        {
          name: 'p99',
          points: [
            [1000, 10],
            [10_000, 40],
          ],
        },
        {
          name: 'target',
          points: [
            [0, 50],
            [10_000, 50],
          ],
          dashed: true,
        },
      ],
    });
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
    assert.match(svg, /latency &lt;vs&gt; agents/);
    assert.match(svg, /stroke-dasharray/);
    const points = /<polyline [^>]*points="([^"]+)"/
      .exec(svg)![1]!
      .split(' ')
      .map((p) => p.split(',').map(Number));
    assert.equal(points.length, 2);
    assert.ok(points[1]![0]! > points[0]![0]!, 'x grows to the right');
    assert.ok(points[1]![1]! < points[0]![1]!, 'a larger y is drawn higher');
  });
});

describe('scale bench: offer cycles', () => {
  it('pairs the first task freed on an agent with the next offer of it, in wall-clock order across processes', () => {
    const finished: Array<[string, number, number]> = [
      ['a1', 100, 103],
      ['a1', 105, 106],
      ['a2', 110, 112],
      ['a1', 300, 321],
    ];
    const offers: Array<[string, number]> = [
      ['a1', 50], // before anything was freed: no sample
      ['a1', 120],
      ['a2', 115],
      ['a1', 330],
    ];
    assert.deepEqual(offerCycles(finished, offers), [
      { ms: 5, toUpdateMs: 2, afterUpdateMs: 3 },
      { ms: 20, toUpdateMs: 3, afterUpdateMs: 17 },
      { ms: 30, toUpdateMs: 21, afterUpdateMs: 9 },
    ]);
  });
});
