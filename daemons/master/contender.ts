// A master's candidacy for leadership in ZooKeeper, in Apache Mesos 1.11's layout so that Mesos's
// tools and masters see ours and ours see theirs (src/master/contender/zookeeper.cpp over
// src/zookeeper/contender.cpp and group.cpp): the master joins the group with an ephemeral
// sequential znode `<path>/json.info_<seq>` holding its MasterInfo as JSON (group.ts); the member
// with the smallest sequence leads.
//
// Mesos's master learns it was elected from its detector; here the contender watches the group
// itself and says so (`elected`), with the same rule. The candidacy is lost (`lost`) when the
// session ends (ZooKeeper expired it, or it heard from no server for its timeout: see session.ts)
// or the znode is deleted. What a master does then is its own choice; Mesos's exits ("Lost
// candidacy as a leader... committing suicide!") and a follower contends again.
import type { Logger } from '../common/log.ts';
import type { MasterInfo } from '../common/mesos.ts';
import { MASTER_INFO_JSON_LABEL, leaderOf, masterInfoJson, parseMember, sequenceOfPath } from '../common/zk/group.ts';
import { ZkError, type ZkSession, reconnected, retrying } from '../common/zk/session.ts';

export interface Candidacy {
  /** The master's znode, e.g. `/mesos/json.info_0000000003`: what fenced writes check. */
  path: string;
  sequence: number;
  /** True once this master leads; false if the candidacy was lost first. */
  elected: Promise<boolean>;
  /** Why the candidacy ended: the session expired or closed, the znode was deleted, or withdraw(). */
  lost: Promise<string>;
  /** Whether this master leads now. */
  readonly leading: boolean;
}

/** A contender failed for a reason retrying on this session cannot fix (Mesos: "Failed to contend"). */
export class ContendError extends Error {
  override name = 'ContendError';
}

export class MasterContender {
  private candidacy: LiveCandidacy | undefined;

  /**
   * @param session the session the candidacy lives in (the master's; its expiry ends the candidacy)
   * @param znode the group's znode, the URL's path without a trailing `/` (url.ts groupZnode)
   */
  constructor(
    private readonly session: ZkSession,
    private readonly znode: string,
    private readonly info: MasterInfo,
    private readonly log?: Logger,
  ) {}

  /**
   * Joins the group (creating the group's znode when missing, as GroupProcess::create does).
   * Resolves once the znode exists; contending again after a loss makes a new candidacy, on
   * this session while it lives.
   */
  async contend(): Promise<Candidacy> {
    if (this.candidacy && !this.candidacy.ended) return this.candidacy;
    try {
      await retrying(this.session, () => this.session.ensurePath(this.znode));
    } catch (err) {
      throw contendError(err, `Failed to create '${this.znode}' in ZooKeeper`);
    }
    const path = await this.join();
    this.log?.info(`New candidate ${path} has entered the contest for leadership`);
    this.candidacy = new LiveCandidacy(this.session, this.znode, path, this.log);
    return this.candidacy;
  }

  /** Leaves the group: true if the znode was deleted, false when there was none to delete. */
  async withdraw(): Promise<boolean> {
    const candidacy = this.candidacy;
    if (!candidacy || candidacy.ended) return false;
    candidacy.end('withdrawn');
    try {
      await retrying(this.session, () => this.session.delete(candidacy.path));
      return true;
    } catch (err) {
      if (err instanceof ZkError && (err.code === 'NO_NODE' || err.code === 'SESSION_EXPIRED' || err.code === 'CLOSED')) return false;
      throw err;
    }
  }

  /**
   * GroupProcess::doJoin. A create that lost its connection may still have made the znode, so
   * before trying again the group is searched for one this session owns (otherwise a second
   * member of ours would sit in the group, and could even lead).
   */
  private async join(): Promise<string> {
    const prefix = `${this.znode}/${MASTER_INFO_JSON_LABEL}_`;
    const data = masterInfoJson(this.info);
    for (;;) {
      try {
        return await this.session.create(prefix, data, 'ephemeral_sequential');
      } catch (err) {
        if (!(err instanceof ZkError) || !err.retryable)
          throw contendError(err, `Failed to create ephemeral node at '${prefix}' in ZooKeeper`);
      }
      try {
        await reconnected(this.session);
        const mine = await this.ownMembers();
        if (mine.length > 0) {
          for (const extra of mine.slice(1)) await retrying(this.session, () => this.session.delete(extra)).catch(() => undefined);
          return mine[0]!;
        }
      } catch (err) {
        throw contendError(err, `Failed to create ephemeral node at '${prefix}' in ZooKeeper`);
      }
    }
  }

  /** This session's `json.info_` znodes in the group, oldest first. */
  private async ownMembers(): Promise<string[]> {
    const { children } = await retrying(this.session, () => this.session.getChildren(this.znode));
    const ours: { path: string; sequence: number }[] = [];
    for (const name of children) {
      const member = parseMember(name);
      if (member?.label !== MASTER_INFO_JSON_LABEL) continue;
      const path = `${this.znode}/${name}`;
      const stat = await retrying(this.session, () => this.session.exists(path));
      if (stat?.ephemeralOwner === this.session.id) ours.push({ path, sequence: member.sequence });
    }
    return ours.sort((a, b) => a.sequence - b.sequence).map((m) => m.path);
  }
}

function contendError(err: unknown, what: string): Error {
  if (err instanceof ZkError) return new ContendError(`${what}: ${err.reason}`);
  return err as Error;
}

/** One candidacy: watches the group until this member leads, and then until it is gone. */
class LiveCandidacy implements Candidacy {
  readonly sequence: number;
  readonly elected: Promise<boolean>;
  readonly lost: Promise<string>;
  ended = false;
  private isLeading = false;
  private resolveElected!: (v: boolean) => void;
  private resolveLost!: (why: string) => void;
  private readonly onEnded: () => void;

  constructor(
    private readonly session: ZkSession,
    private readonly znode: string,
    readonly path: string,
    private readonly log: Logger | undefined,
  ) {
    this.sequence = sequenceOfPath(path);
    this.elected = new Promise((resolve) => {
      this.resolveElected = resolve;
    });
    this.lost = new Promise((resolve) => {
      this.resolveLost = resolve;
    });
    this.onEnded = () => this.end(session.state === 'closed' ? 'the ZooKeeper session was closed' : 'the ZooKeeper session expired');
    session.once('ended', this.onEnded);
    if (session.state === 'expired' || session.state === 'closed') this.onEnded();
    else void this.watch();
  }

  get leading(): boolean {
    return this.isLeading && !this.ended;
  }

  end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.session.off('ended', this.onEnded);
    if (this.isLeading) this.log?.warn(`Lost leadership (${this.path}): ${why}`);
    this.isLeading = false;
    this.resolveElected(false);
    this.resolveLost(why);
  }

  /** Reads the group, again at each change, until the candidacy ends. */
  private async watch(): Promise<void> {
    const name = this.path.slice(this.znode.length + 1);
    while (!this.ended) {
      let changed!: () => void;
      const change = new Promise<void>((resolve) => {
        changed = resolve;
      });
      let children: string[];
      try {
        children = (await retrying(this.session, () => this.session.getChildren(this.znode, () => changed()))).children;
      } catch (err) {
        this.end(
          err instanceof ZkError && err.code === 'SESSION_EXPIRED'
            ? 'the ZooKeeper session expired'
            : `cannot watch the group: ${(err as Error).message}`,
        );
        return;
      }
      if (this.ended) return;
      if (!children.includes(name)) {
        this.end(`its znode ${this.path} was deleted`);
        return;
      }
      if (!this.isLeading && leaderOf(children)?.name === name) {
        this.isLeading = true;
        this.log?.info(`Elected as the leading master (${this.path})`);
        this.resolveElected(true);
      }
      await Promise.race([change, this.lost]);
    }
  }
}
