// Which master leads, read from ZooKeeper the way Apache Mesos 1.11's detector reads it
// (src/master/detector/zookeeper.cpp over src/zookeeper/detector.cpp and group.cpp): the
// group's children are watched, the member with the smallest sequence leads, and its znode's
// data is its MasterInfo (`json.info_`, or the older `info_` and bare forms; see group.ts).
// Anyone can use it: agents, schedulers, `mesos resolve`, a master following the leader.
//
// Like Mesos's group, the detector creates the group's znode when it is missing, outlives
// ZooKeeper outages (it keeps connecting, and after a session expires it takes a new one; the
// leader is unknown meanwhile) and stops for good only on an error retrying cannot fix (no
// permission to read the group, the group's znode deleted).
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.ts';
import type { MasterInfo } from '../mesos.ts';
import { decode, fromJson } from '../proto/codec.ts';
import { type Result, failed, ok } from '../result.ts';
import { type Member, leaderInfo, leaderOf, sameMaster } from './group.ts';
import { ZkError, type ZkSession, connectSession, retrying } from './session.ts';
import { type ZkUrl, formatZkUrl, groupZnode } from './url.ts';

/** MASTER_DETECTOR_ZK_SESSION_TIMEOUT (src/master/detector/zookeeper.cpp). */
export const DETECTOR_SESSION_TIMEOUT_MS = 10_000;

export interface DetectorOptions {
  /** The group's URL (`zk://host:port,.../mesos`). */
  url: ZkUrl;
  sessionTimeoutMs?: number;
  log?: Logger;
}

export interface DetectorEvents {
  /** The leader changed (undefined: no master leads, or the leader is unknown for now). */
  leader: [info: MasterInfo | undefined];
  /** The leader's znode holds no MasterInfo this detector can read; detection goes on. */
  error: [message: string];
}

const MASTER_INFO = 'mesos.v1.MasterInfo';

/** `protobuf::parse<MasterInfo>(JSON)`, through the project's one JSON→protobuf check. */
function masterInfoFromJson(json: unknown): Result<MasterInfo> {
  const converted = fromJson(MASTER_INFO, json);
  if (converted.ok) return ok(converted.value as unknown as MasterInfo);
  const prefix = 'Failed to convert JSON into MasterInfo protobuf: ';
  return failed(converted.error.startsWith(prefix) ? converted.error.slice(prefix.length) : converted.error);
}

function masterInfoFromProtobuf(bytes: Uint8Array): Result<MasterInfo> {
  try {
    return ok(decode(MASTER_INFO, bytes) as unknown as MasterInfo);
  } catch (err) {
    return failed((err as Error).message);
  }
}

interface Waiter {
  resolve: (info: MasterInfo | undefined) => void;
  reject: (err: Error) => void;
}

export class MasterDetector extends EventEmitter<DetectorEvents> {
  private current: MasterInfo | undefined;
  /** The member the current leader was read from. */
  private currentMember: Member | undefined;
  private readonly waiters = new Set<Waiter>();
  private session: ZkSession | undefined;
  private closed = false;
  /** A non-retryable error: the detector has stopped (ZooKeeperMasterDetectorProcess::error). */
  private failure: string | undefined;
  private connectProblem: string | undefined;
  private readonly znode: string;
  private readonly log: Logger | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: DetectorOptions) {
    super();
    this.znode = groupZnode(options.url);
    this.log = options.log;
    // Parse errors reach detect() callers; with no listener they must not throw.
    this.on('error', () => undefined);
  }

  /** Starts detecting; detect() starts it too. */
  start(): void {
    this.running ??= this.run();
  }

  /** The leader as last detected. */
  get leader(): MasterInfo | undefined {
    return this.current;
  }

  /** Why no leader is known yet when ZooKeeper cannot be reached (the last connect failure). */
  get unreachable(): string | undefined {
    return this.connectProblem;
  }

  /**
   * MasterDetector::detect: the leader at once when it differs from `previous`, otherwise the
   * next leader detected (undefined when leadership is lost). Rejects with Mesos's message when
   * the leader's data cannot be read as a MasterInfo, or the detector has stopped on an error.
   */
  detect(previous?: MasterInfo): Promise<MasterInfo | undefined> {
    this.start();
    if (this.failure !== undefined) return Promise.reject(new Error(this.failure));
    if (!sameMaster(this.current, previous)) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    await this.session?.close();
    await this.running;
    for (const w of this.waiters) w.reject(new Error('the detector was closed'));
    this.waiters.clear();
  }

  private settle(info: MasterInfo | undefined): void {
    this.current = info;
    for (const w of this.waiters) w.resolve(info);
    this.waiters.clear();
    this.emit('leader', info);
  }

  private fail(message: string): void {
    this.current = undefined;
    for (const w of this.waiters) w.reject(new Error(message));
    this.waiters.clear();
    this.emit('error', message);
  }

  /** Sessions one after another until closed or stopped by a non-retryable error. */
  private async run(): Promise<void> {
    while (!this.closed && this.failure === undefined) {
      let session: ZkSession;
      try {
        session = await connectSession({
          url: this.options.url,
          sessionTimeoutMs: this.options.sessionTimeoutMs ?? DETECTOR_SESSION_TIMEOUT_MS,
          ...(this.log ? { log: this.log } : {}),
          onRetry: (message) => {
            this.connectProblem = message;
          },
          signal: this.stopping.signal,
        });
      } catch (err) {
        if (!this.closed) this.stop((err as Error).message);
        return;
      }
      this.connectProblem = undefined;
      if (this.closed) {
        await session.close();
        return;
      }
      this.session = session;
      await this.follow(session);
      // From here the leader is unknown (GroupProcess::expired empties the memberships).
      if (this.currentMember !== undefined) {
        this.currentMember = undefined;
        this.settle(undefined);
      }
    }
  }

  private stop(message: string): void {
    this.failure = message;
    this.log?.error(`Failed to detect the leader in ${formatZkUrl(this.options.url)}: ${message}`);
    this.fail(message);
  }

  /** Watches the group on one session until the session ends. */
  private async follow(session: ZkSession): Promise<void> {
    const ended = new Promise<void>((resolve) => {
      session.once('ended', () => resolve());
      if (session.state === 'expired' || session.state === 'closed') resolve();
    });
    try {
      // GroupProcess::create: the group's znode is made if missing.
      await retrying(session, () => session.ensurePath(this.znode));
    } catch (err) {
      if (err instanceof ZkError && !isSessionEnd(err)) {
        this.stop(`Failed to create '${this.znode}' in ZooKeeper: ${err.reason}`);
        await session.close();
      }
      return;
    }
    while (!this.closed && session.state !== 'expired' && session.state !== 'closed') {
      let changed!: () => void;
      const change = new Promise<void>((resolve) => {
        changed = resolve;
      });
      let children: string[];
      try {
        children = (await retrying(session, () => session.getChildren(this.znode, () => changed()))).children;
      } catch (err) {
        if (err instanceof ZkError && !isSessionEnd(err)) {
          this.stop(`Non-retryable error attempting to get children of '${this.znode}' in ZooKeeper: ${err.reason}`);
          await session.close();
        }
        return;
      }
      await this.elect(session, leaderOf(children));
      await Promise.race([change, ended]);
    }
  }

  /** LeaderDetectorProcess::watched and ZooKeeperMasterDetectorProcess::fetched. */
  private async elect(session: ZkSession, member: Member | undefined): Promise<void> {
    if (member?.name === this.currentMember?.name) return;
    this.currentMember = member;
    if (member === undefined) {
      this.settle(undefined);
      return;
    }
    const path = `${this.znode}/${member.name}`;
    let data: Buffer;
    try {
      data = (await retrying(session, () => session.getData(path))).data;
    } catch (err) {
      if (!(err instanceof ZkError) || isSessionEnd(err)) return;
      // The member went before its data could be read: no leader until the next change.
      if (err.code === 'NO_NODE') this.settle(undefined);
      else this.fail(`Failed to get data for ephemeral node '${path}' in ZooKeeper: ${err.reason}`);
      return;
    }
    if (this.currentMember !== member) return;
    const info = leaderInfo(member, data, masterInfoFromJson, masterInfoFromProtobuf);
    if (!info.ok) {
      this.log?.error(`Failed to detect the leader in ${formatZkUrl(this.options.url)}: ${info.error}`);
      this.fail(info.error);
      return;
    }
    this.log?.info(`A new leading master (UPID=${info.value.pid ?? '?'}) is detected`);
    this.settle(info.value);
  }
}

function isSessionEnd(err: ZkError): boolean {
  return err.code === 'SESSION_EXPIRED' || err.code === 'CLOSED';
}
