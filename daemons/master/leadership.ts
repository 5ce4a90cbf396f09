// One master's part in the election through ZooKeeper, as Apache Mesos 1.11's master takes it
// (src/master/master.cpp: contended, lostCandidacy, detected): connect (one line per failed
// attempt, retried until ZooKeeper answers), contend, then follow the leader with a detector.
// A follower whose candidacy is lost (its session expired) contends again on a new session; a
// leader whose candidacy is lost has lost leadership for good, and says so once (`lost`): Mesos's
// master then exits ("committing suicide") and its supervisor starts it again as a follower.
//
// A leader also loses leadership when its own process was stopped (SIGSTOP, a frozen VM) for
// long enough that ZooKeeper may have expired its session meanwhile: whatever the socket still
// holds from before is stale, so neither the session's view nor a request that arrived
// meanwhile may be trusted. `stalled()` lets the HTTP layer check that before it serves.
import { EventEmitter } from 'node:events';
import type { Logger } from '../common/log.ts';
import type { MasterInfo } from '../common/mesos.ts';
import { MasterDetector } from '../common/zk/detector.ts';
import { type ZkSession, connectSession } from '../common/zk/session.ts';
import { type ZkUrl, formatZkUrl, groupZnode } from '../common/zk/url.ts';
import { type Candidacy, MasterContender } from './contender.ts';

export interface LeadershipOptions {
  url: ZkUrl;
  sessionTimeoutMs: number;
  /** This master's MasterInfo, as its znode holds it. */
  info: MasterInfo;
  log: Logger;
}

export interface LeadershipEvents {
  /** This master leads: its candidacy, on `session` (the session fenced writes go through). */
  elected: [candidacy: Candidacy, session: ZkSession];
  /** This master led and does no more; it must stop acting as the leader at once. */
  lost: [why: string];
}

/** How often the event loop's liveness is sampled. */
const TICK_MS = 100;

export class Leadership extends EventEmitter<LeadershipEvents> {
  private readonly detector: MasterDetector;
  private session: ZkSession | undefined;
  private candidacy: Candidacy | undefined;
  private closed = false;
  private lostWhy: string | undefined;
  private lastTick = Date.now();
  private readonly ticker: NodeJS.Timeout;
  private readonly stopping = new AbortController();

  constructor(private readonly options: LeadershipOptions) {
    super();
    this.detector = new MasterDetector({ url: options.url, sessionTimeoutMs: options.sessionTimeoutMs, log: options.log });
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  /** The leader as last detected (this master once elected). */
  get leader(): MasterInfo | undefined {
    if (this.leading) return this.options.info;
    return this.detector.leader;
  }

  get leading(): boolean {
    return this.candidacy?.leading === true && this.lostWhy === undefined;
  }

  /** Starts contending; runs until close() or until leadership, once won, is lost. */
  start(): void {
    void this.run();
  }

  /**
   * Whether the process was stopped long enough for its session to have expired: ZooKeeper
   * expires a session that sends nothing for its timeout, and the client pings every third of
   * it, so a pause of two thirds may already be too long. Loses leadership when it was.
   */
  stalled(): boolean {
    if (this.lostWhy !== undefined) return true;
    const paused = Date.now() - this.lastTick;
    if (this.leading && paused >= (this.options.sessionTimeoutMs * 2) / 3) {
      const why = `this process was stopped for ${paused} ms, long enough for its ZooKeeper session to expire`;
      this.options.log.warn(`Lost leadership: ${why}`);
      this.lose(why);
      return true;
    }
    return false;
  }

  private tick(): void {
    this.stalled();
    this.lastTick = Date.now();
  }

  private lose(why: string): void {
    if (this.lostWhy !== undefined || this.closed) return;
    this.lostWhy = why;
    this.emit('lost', why);
  }

  private async run(): Promise<void> {
    const { url, sessionTimeoutMs, info, log } = this.options;
    const znode = groupZnode(url);
    while (!this.closed) {
      let session: ZkSession;
      try {
        // Each failed attempt is one line in the log (connect.ts); attempts go on until closed.
        session = await connectSession({ url, sessionTimeoutMs, log, signal: this.stopping.signal });
      } catch (err) {
        if (!this.closed) log.error(`Cannot connect to ZooKeeper at ${formatZkUrl(url)}: ${(err as Error).message}`);
        return;
      }
      if (this.closed) {
        await session.close();
        return;
      }
      this.session = session;
      // Detection after the first session: while ZooKeeper cannot be reached, the contender's
      // attempts are the only ones logged.
      this.detector.start();
      let candidacy: Candidacy;
      try {
        candidacy = await new MasterContender(session, znode, info, log).contend();
      } catch (err) {
        // MasterContender failed for a reason this session cannot fix (Mesos: "Failed to contend").
        log.error(`Failed to contend: ${(err as Error).message}; contending again on a new session`);
        await session.close();
        continue;
      }
      this.candidacy = candidacy;
      const elected = await candidacy.elected;
      if (elected && !this.closed) {
        this.emit('elected', candidacy, session);
        this.lose(await candidacy.lost);
        return;
      }
      if (this.closed) return;
      log.info(`Lost candidacy as a follower (${await candidacy.lost})... Contend again`);
      await session.close();
    }
  }

  /** Leaves the group (a follower's or leader's znode goes at once) and stops detecting. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    this.stopping.abort();
    await this.session?.close();
    await this.detector.close();
  }
}
