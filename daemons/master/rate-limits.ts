// Framework rate limiting (--rate_limits), as in Mesos: the calls of frameworks whose principal
// has a `qps` are processed at most that often, in arrival order; at most `capacity` of them wait
// at once, and a call beyond that is dropped with an error. Frameworks whose principal is not
// listed (or who have none) share one limiter when `aggregate_default_qps` is set. A listed
// principal without `qps` is explicitly unthrottled. Mesos applies this to the messages of
// libprocess schedulers; here every scheduler speaks the v1 HTTP API, so it applies to their
// calls (SUBSCRIBE excepted: it is how a framework gets its principal's limiter).

/** The --rate_limits document (Mesos's RateLimits message in JSON). */
export interface RateLimitsConfig {
  limits?: Array<{ principal: string; qps?: number; capacity?: number }>;
  aggregate_default_qps?: number;
  aggregate_default_capacity?: number;
}

/** JSON Schema of --rate_limits: the shape; rateLimitsProblem checks what a schema cannot. */
export const RATE_LIMITS_SCHEMA = {
  type: 'object',
  properties: {
    limits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['principal'],
        properties: {
          principal: { type: 'string', minLength: 1 },
          qps: { type: 'number', exclusiveMinimum: 0 },
          capacity: { type: 'integer', minimum: 0 },
        },
        additionalProperties: false,
      },
    },
    aggregate_default_qps: { type: 'number', exclusiveMinimum: 0 },
    aggregate_default_capacity: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
} as const;

/** A time source and a timer, so the limiter can be tested without waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
}

const realClock: Clock = { now: () => performance.now(), setTimeout: (fn, ms) => setTimeout(fn, ms) };

/**
 * Runs submitted work at most `qps` times a second, first come first served, with permits
 * spaced 1/qps apart and no burst (libprocess's RateLimiter). `capacity` bounds the work waiting
 * or running under it; past that, submit() refuses.
 */
export class BoundedRateLimiter {
  private readonly intervalMs: number;
  private readonly queue: Array<() => void> = [];
  /** When the next permit may be given. */
  private nextPermitAt = Number.NEGATIVE_INFINITY;
  private timerArmed = false;

  constructor(
    readonly qps: number,
    readonly capacity: number | undefined,
    private readonly clock: Clock = realClock,
  ) {
    this.intervalMs = 1000 / qps;
  }

  /** Submitted and not yet run (Mesos's `messages`). */
  get outstanding(): number {
    return this.queue.length;
  }

  /** Queues `work`; false (and nothing queued) when `capacity` calls already wait. */
  submit(work: () => void): boolean {
    if (this.capacity !== undefined && this.outstanding >= this.capacity) return false;
    this.queue.push(work);
    if (!this.timerArmed) this.drain();
    return true;
  }

  private drain(): void {
    this.timerArmed = false;
    while (this.queue.length > 0) {
      const now = this.clock.now();
      if (now < this.nextPermitAt) {
        this.timerArmed = true;
        this.clock.setTimeout(() => this.drain(), this.nextPermitAt - now);
        return;
      }
      this.nextPermitAt = now + this.intervalMs;
      const work = this.queue.shift()!;
      work();
    }
  }
}

/**
 * Which limiter, if any, a principal's calls go through, and the calls each principal sent and
 * had processed (Mesos's `frameworks/<principal>/messages_received` and `messages_processed`:
 * the difference is what waits under the limiter).
 */
export class FrameworkRateLimits {
  private readonly byPrincipal = new Map<string, BoundedRateLimiter | undefined>();
  private readonly aggregateDefault: BoundedRateLimiter | undefined;
  private readonly counts = new Map<string, { received: number; processed: number }>();

  constructor(config: RateLimitsConfig | undefined, clock: Clock = realClock) {
    for (const limit of config?.limits ?? []) {
      this.byPrincipal.set(limit.principal, limit.qps === undefined ? undefined : new BoundedRateLimiter(limit.qps, limit.capacity, clock));
    }
    const qps = config?.aggregate_default_qps;
    this.aggregateDefault = qps === undefined ? undefined : new BoundedRateLimiter(qps, config?.aggregate_default_capacity, clock);
  }

  /** The limiter of a framework with this principal; undefined when its calls are not throttled. */
  limiterFor(principal: string | undefined): BoundedRateLimiter | undefined {
    if (principal !== undefined && this.byPrincipal.has(principal)) return this.byPrincipal.get(principal);
    return this.aggregateDefault;
  }

  received(principal: string | undefined): void {
    if (principal !== undefined) this.countsOf(principal).received++;
  }

  processed(principal: string | undefined): void {
    if (principal !== undefined) this.countsOf(principal).processed++;
  }

  /** The principal's last framework is gone: its counters go too, as in Mesos. */
  forget(principal: string): void {
    this.counts.delete(principal);
  }

  /** The counters as /metrics/snapshot entries. */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [principal, c] of this.counts) {
      out[`frameworks/${principal}/messages_received`] = c.received;
      out[`frameworks/${principal}/messages_processed`] = c.processed;
    }
    return out;
  }

  private countsOf(principal: string): { received: number; processed: number } {
    let c = this.counts.get(principal);
    if (c === undefined) {
      c = { received: 0, processed: 0 };
      this.counts.set(principal, c);
    }
    return c;
  }
}

/** Checks what the schema cannot; returns the problem, phrased for the operator, or undefined. */
export function rateLimitsProblem(config: RateLimitsConfig): string | undefined {
  const seen = new Set<string>();
  for (const limit of config.limits ?? []) {
    if (seen.has(limit.principal)) return `principal '${limit.principal}' is listed twice in 'limits'; give each principal one entry`;
    seen.add(limit.principal);
  }
  return undefined;
}
