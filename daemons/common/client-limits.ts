// How many requests of one kind may be in flight at once, per client (remote address) and in all:
// a client that opens many slow reads or downloads gets 429 for the ones past its share and the
// others keep theirs; past the total everyone gets 503 until some finish. Pure bookkeeping: the
// HTTP layer asks before it does any work and releases when the answer has ended.

export interface ClientLimits {
  /** Requests in flight per remote address. */
  perClient: number;
  /** Requests in flight in all. */
  total: number;
}

export type Admission = { ok: true; release: () => void } | { ok: false; status: 429 | 503; message: string };

export class ClientLimiter {
  private readonly inFlight = new Map<string, number>();
  private all = 0;

  constructor(
    readonly what: string,
    readonly limits: ClientLimits,
  ) {}

  /** Admits a request of `client`, or says why not; `release` is safe to call more than once. */
  admit(client: string): Admission {
    const mine = this.inFlight.get(client) ?? 0;
    if (mine >= this.limits.perClient) {
      return {
        ok: false,
        status: 429,
        message: `Too many concurrent ${this.what} requests from ${client}: at most ${this.limits.perClient} at a time per client; retry once one has finished.\n`,
      };
    }
    if (this.all >= this.limits.total) {
      return {
        ok: false,
        status: 503,
        message: `Too many concurrent ${this.what} requests: at most ${this.limits.total} at a time in all; retry shortly.\n`,
      };
    }
    this.inFlight.set(client, mine + 1);
    this.all++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.all--;
        const left = (this.inFlight.get(client) ?? 1) - 1;
        if (left > 0) this.inFlight.set(client, left);
        else this.inFlight.delete(client);
      },
    };
  }

  /** Requests in flight, of `client` or in all. */
  count(client?: string): number {
    return client === undefined ? this.all : (this.inFlight.get(client) ?? 0);
  }
}
