// One ZooKeeper session, with a promise API for what the masters, agents and clients need:
// create (persistent, ephemeral, sequential), getData/setData with versions, getChildren and
// exists with watches, delete, multi-op transactions, and the session's state as events:
// `connected` (again), `disconnected` (the session may still come back), `expired` (it is gone,
// with its ephemeral znodes and watches; make a new one).
//
// Built on node-zookeeper-client, a pure JavaScript client that runs inside the single
// executable as it is (the `zookeeper` npm package is a native addon). What it lacks, this adds:
// - connecting reports why ZooKeeper is unreachable in one line and retries with backoff
//   (connect.ts);
// - a read timeout: a server that stops answering (paused, partitioned) is left for another
//   after 2/3 of the session timeout, as ZooKeeper's own clients do; the package only notices
//   closed connections;
// - local expiry, as Mesos's GroupProcess (src/zookeeper/group.cpp, `timedout`): ZooKeeper
//   tells a client its session expired only when it reconnects, possibly much later, so a
//   session that has heard from no server for its whole timeout is taken as expired here. A
//   leader that cannot reach ZooKeeper thus stops leading within one session timeout;
// - version 0 in transactions (the package turns it into -1, "any version");
// - operations queued while disconnected fail when the session ends instead of hanging.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import zookeeper, { type ACL, type Client, type JuteStat, type Transaction } from 'node-zookeeper-client';
import { formatDuration } from '../flags/units.ts';
import type { Logger } from '../log.ts';
import { CM_CLOSED, type SessionOptions, connectClient, disarm } from './connect.ts';
import { ERRORS, ZkError, ZkMultiError, zkError } from './errors.ts';

export type { SessionOptions } from './connect.ts';
export { nextConnectDelay } from './connect.ts';
export { ZkError, type ZkErrorCode, ZkMultiError, ZkUnreachableError } from './errors.ts';

/** Connects a new session (see connect.ts for the retries and the one-line reasons). */
export async function connectSession(options: SessionOptions): Promise<ZkSession> {
  return new ZkSession(await connectClient(options), options);
}

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';
export type SessionState = 'connected' | 'disconnected' | 'expired' | 'closed';

/** A znode's metadata. */
export interface Stat {
  /** Data version: what setData, delete and check compare. */
  version: number;
  /** Children version. */
  cversion: number;
  aversion: number;
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  /** Milliseconds since the epoch. */
  ctime: number;
  mtime: number;
  /** The session that owns an ephemeral znode (hex, as `ZkSession.id`); `0` for a persistent one. */
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

export type WatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';
export interface WatchEvent {
  type: WatchEventType;
  path: string;
}
export type Watcher = (event: WatchEvent) => void;

export type MultiOp =
  | { type: 'create'; path: string; data?: Buffer | string; mode?: CreateMode }
  | { type: 'setData'; path: string; data: Buffer | string; version?: number }
  | { type: 'delete'; path: string; version?: number }
  | { type: 'check'; path: string; version: number };

export type MultiResult = { type: 'create'; path: string } | { type: 'setData'; stat: Stat } | { type: 'delete' } | { type: 'check' };

const MODES: Record<CreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

const WATCH_TYPES: Record<number, WatchEventType> = { 1: 'created', 2: 'deleted', 3: 'dataChanged', 4: 'childrenChanged' };

const OP_CREATE = 1;
const OP_DELETE = 2;
const OP_SET_DATA = 5;
const OP_CHECK = 13;
const OP_ERROR = -1;

function bytes(data: Buffer | string | undefined): Buffer | undefined {
  return typeof data === 'string' ? Buffer.from(data) : data;
}

function toStat(s: JuteStat): Stat {
  return {
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    czxid: s.czxid.readBigInt64BE(0),
    mzxid: s.mzxid.readBigInt64BE(0),
    pzxid: s.pzxid.readBigInt64BE(0),
    ctime: Number(s.ctime.readBigInt64BE(0)),
    mtime: Number(s.mtime.readBigInt64BE(0)),
    ephemeralOwner: s.ephemeralOwner.readBigUInt64BE(0).toString(16),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

export interface SessionEvents {
  /** Connected again after `disconnected`, within the session's timeout. */
  connected: [];
  /** Lost the server; the session lives on if another server is reached within its timeout. */
  disconnected: [];
  /** The session is gone (expired by ZooKeeper, or here after a timeout with no server). */
  expired: [reason: string];
  /** The session ended: expired, or closed by close(). */
  ended: [];
}

export class ZkSession extends EventEmitter<SessionEvents> {
  /** The session id in hex, as ZooKeeper's logs and `Stat.ephemeralOwner` show it. */
  readonly id: string;
  /** The timeout ZooKeeper granted, in milliseconds. */
  readonly timeoutMs: number;
  private current: SessionState = 'connected';
  private lastHeard = Date.now();
  private readonly watchdog: NodeJS.Timeout;
  private readonly pending = new Set<(err: ZkError) => void>();
  private readonly heard = new WeakSet<net.Socket>();
  private readonly log: Logger | undefined;
  /** EVERYONE_READ_CREATOR_ALL with credentials (src/zookeeper/authentication.cpp), else open. */
  private readonly acl: ACL[];

  /** Use connectSession(). */
  constructor(
    private readonly client: Client,
    options: SessionOptions,
  ) {
    super();
    this.log = options.log;
    this.id = client.getSessionId().readBigUInt64BE(0).toString(16);
    this.timeoutMs = client.getSessionTimeout();
    this.acl =
      options.url.credentials === undefined
        ? zookeeper.ACL.OPEN_ACL_UNSAFE
        : [
            new zookeeper.ACL(zookeeper.Permission.READ, zookeeper.Id.ANYONE_ID_UNSAFE),
            new zookeeper.ACL(zookeeper.Permission.ALL, zookeeper.Id.AUTH_IDS),
          ];
    this.listen();
    client.on('disconnected', () => {
      if (this.current !== 'connected') return;
      this.current = 'disconnected';
      this.log?.warn(`Lost connection to ZooKeeper (session 0x${this.id}); reconnecting`);
      this.emit('disconnected');
    });
    client.on('connected', () => {
      if (this.current !== 'disconnected') return;
      this.current = 'connected';
      this.lastHeard = Date.now();
      this.listen();
      this.log?.info(`Reconnected to ZooKeeper (session 0x${this.id})`);
      this.emit('connected');
    });
    client.on('expired', () => this.expire('ZooKeeper expired the session'));
    this.watchdog = setInterval(() => this.checkLiveness(), Math.max(50, Math.floor(this.timeoutMs / 10)));
    this.watchdog.unref();
    this.log?.info(`Connected to ZooKeeper (session 0x${this.id}, timeout ${formatDuration(this.timeoutMs / 1000)})`);
  }

  get state(): SessionState {
    return this.current;
  }

  /** Notes every answer from the server the session is on (pings included). */
  private listen(): void {
    const socket = this.client.connectionManager.socket;
    if (!socket || this.heard.has(socket)) return;
    this.heard.add(socket);
    socket.on('data', () => {
      this.lastHeard = Date.now();
    });
  }

  private checkLiveness(): void {
    const silent = Date.now() - this.lastHeard;
    if (silent >= this.timeoutMs) {
      this.expire(`no ZooKeeper server answered for ${formatDuration(this.timeoutMs / 1000)} (the session timeout)`);
    } else if (this.current === 'connected' && silent > (this.timeoutMs * 2) / 3) {
      // The package pings every third of the timeout; a server silent for two thirds is gone.
      this.log?.warn(`ZooKeeper server silent for ${silent} ms; trying another`);
      this.client.connectionManager.socket?.destroy();
    }
  }

  private expire(reason: string): void {
    if (this.current === 'expired' || this.current === 'closed') return;
    this.current = 'expired';
    this.stop(new ZkError('SESSION_EXPIRED', 'session expired', 'session'));
    disarm(this.client);
    this.log?.warn(`ZooKeeper session 0x${this.id} expired: ${reason}`);
    this.emit('expired', reason);
    this.emit('ended');
  }

  private stop(error: ZkError): void {
    clearInterval(this.watchdog);
    for (const reject of this.pending) reject(error);
    this.pending.clear();
  }

  /** Closes the session: its ephemeral znodes go at once rather than at its timeout. */
  async close(): Promise<void> {
    const was = this.current;
    if (was === 'closed') return;
    this.current = 'closed';
    if (was === 'expired') return;
    this.stop(new ZkError('CLOSED', 'session closed', 'session'));
    this.emit('ended');
    // Without a server to say goodbye to, ZooKeeper expires the session at its timeout.
    if (was === 'connected') await this.goodbye();
    disarm(this.client);
  }

  /** Ends the session on the server (CLOSE_SESSION), waiting for its answer at most 2 s. */
  private goodbye(): Promise<void> {
    const manager = this.client.connectionManager;
    return new Promise((resolve) => {
      const onState = (state: number) => {
        if (state === CM_CLOSED) done();
      };
      const done = () => {
        clearTimeout(timer);
        manager.removeListener('state', onState);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      manager.on('state', onState);
      this.client.close();
    });
  }

  /** Runs one operation of the package, as a promise that also ends when the session does. */
  private call<T>(op: string, path: string | undefined, run: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
    if (this.current === 'expired') return Promise.reject(new ZkError('SESSION_EXPIRED', 'session expired', op, path));
    if (this.current === 'closed') return Promise.reject(new ZkError('CLOSED', 'session closed', op, path));
    return new Promise<T>((resolve, reject) => {
      const fail = (err: ZkError) => reject(new ZkError(err.code, err.reason, op, path));
      this.pending.add(fail);
      try {
        run((err, value) => {
          if (!this.pending.delete(fail)) return;
          if (err) reject(err instanceof ZkError ? err : zkError(err as { code?: unknown }, op, path));
          else resolve(value as T);
        });
      } catch (err) {
        // The package checks paths and sizes by throwing (`Node path must not end with /`).
        this.pending.delete(fail);
        reject(new ZkError('BAD_ARGUMENTS', (err as Error).message, op, path));
      }
    });
  }

  private watcher(watch: Watcher | undefined): ((e: { type: number; path: string }) => void) | undefined {
    if (!watch) return undefined;
    return (e) => {
      const type = WATCH_TYPES[e.type];
      if (type) watch({ type, path: e.path });
    };
  }

  /** Creates a znode; returns its path (with the sequence ZooKeeper appended, for sequential modes). */
  create(path: string, data?: Buffer | string, mode: CreateMode = 'persistent'): Promise<string> {
    return this.call('create', path, (done) => this.client.create(path, bytes(data), this.acl, MODES[mode], done));
  }

  /** Creates the znode and its missing parents, empty and persistent; one that exists is fine. */
  async ensurePath(path: string): Promise<void> {
    try {
      await this.create(path);
    } catch (err) {
      if (!(err instanceof ZkError)) throw err;
      if (err.code === 'NODE_EXISTS') return;
      const parent = path.slice(0, path.lastIndexOf('/'));
      if (err.code !== 'NO_NODE' || parent === '') throw err;
      // As Mesos's ZooKeeper::create(recursive): parents only when the node itself cannot be made.
      await this.ensurePath(parent);
      await this.ensurePath(path);
    }
  }

  getData(path: string, watch?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    return this.call('getData', path, (done) =>
      this.client.getData(path, this.watcher(watch), (err, data, stat) =>
        err ? done(err) : done(null, { data: data ?? Buffer.alloc(0), stat: toStat(stat) }),
      ),
    );
  }

  /** Sets a znode's data if its version is `version` (-1: any); returns the new Stat. */
  setData(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    return this.call('setData', path, (done) =>
      this.client.setData(path, bytes(data)!, version, (err, stat) => (err ? done(err) : done(null, toStat(stat)))),
    );
  }

  getChildren(path: string, watch?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    return this.call('getChildren', path, (done) =>
      this.client.getChildren(path, this.watcher(watch), (err, children, stat) =>
        err ? done(err) : done(null, { children, stat: toStat(stat) }),
      ),
    );
  }

  /** The znode's Stat, or undefined when there is none; the watch fires on its creation too. */
  exists(path: string, watch?: Watcher): Promise<Stat | undefined> {
    return this.call('exists', path, (done) =>
      this.client.exists(path, this.watcher(watch), (err, stat) => (err ? done(err) : done(null, stat ? toStat(stat) : undefined))),
    );
  }

  /** Deletes a znode if its version is `version` (-1: any). */
  delete(path: string, version = -1): Promise<void> {
    return this.call('delete', path, (done) => this.client.remove(path, version, (err) => done(err)));
  }

  /** All the operations or none (ZooKeeper's multi); a failure is a ZkMultiError naming the operation. */
  multi(ops: readonly MultiOp[]): Promise<MultiResult[]> {
    return this.call('multi', undefined, (done) => {
      const tx = this.client.transaction();
      for (const op of ops) addOp(tx, op, this.acl);
      tx.commit((err, results) => {
        if (!err) return done(null, (results ?? []).map(toMultiResult));
        const index = (results ?? []).findIndex((r) => r.type === OP_ERROR && r.err !== 0);
        if (index < 0) return done(err);
        const [code, reason] = ERRORS[results![index]!.err!] ?? ['SYSTEM_ERROR', `error ${results![index]!.err}`];
        done(new ZkMultiError(code, reason, index, ops[index]?.path));
      });
    });
  }
}

function addOp(tx: Transaction, op: MultiOp, acl: ACL[]): void {
  switch (op.type) {
    case 'create':
      tx.create(op.path, bytes(op.data), acl, MODES[op.mode ?? 'persistent']);
      return;
    case 'setData':
      tx.setData(op.path, bytes(op.data)!, op.version ?? -1);
      break;
    case 'delete':
      tx.remove(op.path, op.version ?? -1);
      break;
    case 'check':
      tx.check(op.path, op.version);
      break;
  }
  // The package writes `version || -1`, so version 0 would mean "any version": a fenced write
  // against a node never written since its creation would not be fenced at all.
  tx.ops[tx.ops.length - 1]!.version = op.version ?? -1;
}

function toMultiResult(r: { type: number; path?: string; stat?: JuteStat }): MultiResult {
  switch (r.type) {
    case OP_CREATE:
      return { type: 'create', path: r.path! };
    case OP_SET_DATA:
      return { type: 'setData', stat: toStat(r.stat!) };
    case OP_DELETE:
      return { type: 'delete' };
    case OP_CHECK:
      return { type: 'check' };
    default:
      throw new Error(`unexpected multi result type ${r.type}`);
  }
}

/** Runs `op` again after each connection loss, once the session is back; throws when it ends. */
export async function retrying<T>(session: ZkSession, op: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!(err instanceof ZkError) || !err.retryable) throw err;
      await reconnected(session);
    }
  }
}

/** Resolves when the session is connected (again); rejects when it has ended. */
export function reconnected(session: ZkSession): Promise<void> {
  if (session.state === 'connected') return Promise.resolve();
  const ended = () => new ZkError(session.state === 'closed' ? 'CLOSED' : 'SESSION_EXPIRED', `session ${session.state}`, 'reconnect');
  if (session.state !== 'disconnected') return Promise.reject(ended());
  return new Promise((resolve, reject) => {
    const onConnected = () => {
      session.off('ended', onEnded);
      resolve();
    };
    const onEnded = () => {
      session.off('connected', onConnected);
      reject(ended());
    };
    session.once('connected', onConnected);
    session.once('ended', onEnded);
  });
}
