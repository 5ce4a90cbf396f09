import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedRateLimiter, type Clock, FrameworkRateLimits, rateLimitsProblem } from '../../daemons/master/rate-limits.ts';

/** A clock that moves only when told; timers fire in due order as it passes them. */
class FakeClock implements Clock {
  private t = 0;
  private timers: Array<{ at: number; fn: () => void }> = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): object {
    this.timers.push({ at: this.t + ms, fn });
    return {};
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

describe('BoundedRateLimiter', () => {
  test('runs the first call at once and the next ones 1/qps apart, in arrival order, without a burst', () => {
    const clock = new FakeClock();
    const limiter = new BoundedRateLimiter(10, undefined, clock);
    const ran: Array<[number, number]> = [];
    for (let i = 0; i < 5; i++)
      assert.equal(
        limiter.submit(() => ran.push([i, clock.now()])),
        true,
      );
    assert.deepEqual(ran, [[0, 0]]);
    assert.equal(limiter.outstanding, 4);
    clock.advance(1000);
    assert.deepEqual(ran, [
      [0, 0],
      [1, 100],
      [2, 200],
      [3, 300],
      [4, 400],
    ]);
    assert.equal(limiter.outstanding, 0);
    // Idle long enough: the next call runs at once again, but only one (no saved-up permits).
    ran.length = 0;
    limiter.submit(() => ran.push([5, clock.now()]));
    limiter.submit(() => ran.push([6, clock.now()]));
    assert.deepEqual(ran, [[5, 1000]]);
    clock.advance(100);
    assert.deepEqual(ran, [
      [5, 1000],
      [6, 1100],
    ]);
  });

  test('refuses calls past its capacity of waiting ones, and takes them again once some ran', () => {
    const clock = new FakeClock();
    const limiter = new BoundedRateLimiter(2, 2, clock);
    const ran: number[] = [];
    const results = [0, 1, 2, 3].map((i) => limiter.submit(() => ran.push(i)));
    // The first runs at once, so it does not wait: two more fit, the fourth does not.
    assert.deepEqual(results, [true, true, true, false]);
    assert.deepEqual(ran, [0]);
    clock.advance(500);
    assert.deepEqual(ran, [0, 1]);
    assert.equal(
      limiter.submit(() => ran.push(4)),
      true,
    );
    clock.advance(1000);
    assert.deepEqual(ran, [0, 1, 2, 4]);
  });

  test('capacity 0 refuses everything', () => {
    const limiter = new BoundedRateLimiter(100, 0, new FakeClock());
    assert.equal(
      limiter.submit(() => assert.fail('must not run')),
      false,
    );
  });
});

describe('FrameworkRateLimits', () => {
  const config = {
    limits: [{ principal: 'batch', qps: 5, capacity: 10 }, { principal: 'prod' }],
    aggregate_default_qps: 50,
    aggregate_default_capacity: 100,
  };

  test('a listed principal with qps gets its own limiter; listed without qps, none; anyone else shares the default', () => {
    const limits = new FrameworkRateLimits(config, new FakeClock());
    const batch = limits.limiterFor('batch');
    assert.equal(batch?.qps, 5);
    assert.equal(batch?.capacity, 10);
    assert.equal(limits.limiterFor('batch'), batch, 'frameworks of one principal share it');
    assert.equal(limits.limiterFor('prod'), undefined);
    const other = limits.limiterFor('someone');
    assert.equal(other?.qps, 50);
    assert.equal(other?.capacity, 100);
    assert.equal(limits.limiterFor(undefined), other, 'frameworks without a principal share the default too');
  });

  test('without aggregate_default_qps, or without --rate_limits, nothing unlisted is throttled', () => {
    assert.equal(new FrameworkRateLimits({ limits: [{ principal: 'batch', qps: 5 }] }).limiterFor('other'), undefined);
    assert.equal(new FrameworkRateLimits(undefined).limiterFor('any'), undefined);
    assert.equal(new FrameworkRateLimits(undefined).limiterFor(undefined), undefined);
  });

  test('counts received and processed calls per principal, and forgets a principal', () => {
    const limits = new FrameworkRateLimits(undefined);
    limits.received('a');
    limits.received('a');
    limits.processed('a');
    limits.received(undefined);
    assert.deepEqual(limits.metrics(), { 'frameworks/a/messages_received': 2, 'frameworks/a/messages_processed': 1 });
    limits.forget('a');
    assert.deepEqual(limits.metrics(), {});
  });

  test('a principal listed twice is a configuration error', () => {
    assert.match(rateLimitsProblem({ limits: [{ principal: 'a' }, { principal: 'a', qps: 1 }] }) ?? '', /principal 'a' is listed twice/);
    assert.equal(rateLimitsProblem(config), undefined);
  });
});
