// Getting a ZooKeeper session: node-zookeeper-client's client started and watched until a server
// gives it a session. The package retries forever and silently; this says in one line why each
// server gave none (from a plain TCP connection to it), and tries again with backoff.
import net from 'node:net';
import zookeeper, { type Client, type ConnectionManager } from 'node-zookeeper-client';
import { formatDuration } from '../flags/units.ts';
import type { Logger } from '../log.ts';
import { ZkError, ZkUnreachableError } from './errors.ts';
import { type ZkUrl, formatZkUrl, zkServers } from './url.ts';

export interface SessionOptions {
  /** Servers and credentials (`zk://user:password@...`); the session itself uses absolute paths. */
  url: ZkUrl;
  /** The session timeout to ask for (--zk_session_timeout); ZooKeeper clamps it to 2-20 ticks. */
  sessionTimeoutMs: number;
  log?: Logger;
  /** Give up connecting after this long with a ZkUnreachableError; by default keep trying. */
  connectTimeoutMs?: number;
  /** Called with a one-line reason whenever an attempt to connect fails (besides the log). */
  onRetry?: (message: string) => void;
  /** Stops connecting (connecting then rejects with a ZkError `CLOSED`). */
  signal?: AbortSignal;
}

/** Backoff between attempts to connect: doubling from 1 s up to the session timeout. */
export function nextConnectDelay(previousMs: number | undefined, sessionTimeoutMs: number): number {
  const cap = Math.max(1000, sessionTimeoutMs);
  return previousMs === undefined ? Math.min(1000, cap) : Math.min(previousMs * 2, cap);
}

/** The package's connection states (lib/ConnectionManager.js STATES). */
const CM_DISCONNECTED = 0;
export const CM_CLOSED = -2;

/**
 * A client with a new session, after retrying with backoff (and saying why in the log) until a
 * server gives one or `connectTimeoutMs` passes.
 */
export async function connectClient(options: SessionOptions): Promise<Client> {
  const servers = zkServers(options.url);
  const where = formatZkUrl(options.url);
  if (servers.length === 0) throw new ZkUnreachableError(`no ZooKeeper servers in '${where}'`);
  const deadline = options.connectTimeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.connectTimeoutMs;
  const { signal } = options;
  const aborted = () => new ZkError('CLOSED', 'connecting was cancelled', 'connect');
  let delay: number | undefined;
  for (;;) {
    if (signal?.aborted) throw aborted();
    const client = newClient(servers, options);
    const connected = await firstConnection(client, servers.length, Math.min(options.sessionTimeoutMs, deadline - Date.now()), signal);
    if (connected) return client;
    disarm(client);
    if (signal?.aborted) throw aborted();
    const why = await whyUnreachable(servers);
    delay = nextConnectDelay(delay, options.sessionTimeoutMs);
    const message = `Cannot connect to ZooKeeper at ${servers.join(',')}: ${why}`;
    if (Date.now() + delay >= deadline) throw new ZkUnreachableError(message);
    options.log?.warn(`${message}; retrying in ${formatDuration(delay / 1000)}`);
    options.onRetry?.(message);
    await pause(delay, signal);
  }
}

/** Waits `ms`, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function newClient(servers: string[], options: SessionOptions): Client {
  const client = zookeeper.createClient(servers.join(','), { sessionTimeout: options.sessionTimeoutMs, retries: 0 });
  if (options.url.credentials !== undefined) client.addAuthInfo('digest', Buffer.from(options.url.credentials));
  // The package parses answers by throwing on what it does not know (an error code of a newer
  // server, say), from a socket callback: that would end the process. A connection whose
  // answers cannot be read is dropped instead; the package then connects again.
  const manager = client.connectionManager;
  const parse = manager.onSocketData;
  manager.onSocketData = function (this: ConnectionManager, buffer: Buffer) {
    try {
      parse.call(this, buffer);
    } catch (err) {
      options.log?.warn(`Dropping a ZooKeeper connection whose answer cannot be read: ${(err as Error).message}`);
      this.pendingBuffer = null;
      this.socket?.destroy();
    }
  };
  return client;
}

/**
 * Starts the client; true once it has a session, false once every server refused one (each
 * connection the package gives up on ends in its DISCONNECTED state) or after `timeoutMs`.
 */
function firstConnection(client: Client, serverCount: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    let failures = 0;
    const done = (result: boolean) => {
      clearTimeout(timer);
      client.connectionManager.removeListener('state', onState);
      signal?.removeEventListener('abort', cancel);
      resolve(result && !signal?.aborted);
    };
    const cancel = () => done(false);
    signal?.addEventListener('abort', cancel, { once: true });
    const onState = (state: number) => {
      if (state === CM_DISCONNECTED && ++failures >= serverCount) done(false);
    };
    const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
    client.connectionManager.on('state', onState);
    client.once('connected', () => done(true));
    client.connect();
  });
}

/**
 * Stops a client for good without a goodbye to ZooKeeper: its socket goes, and so does any
 * connection it would make later (one may already be scheduled). The package's own close()
 * is only safe on a connected client: closing one that is connecting makes it read the
 * server's answer to the connection as the answer to an operation, and throw.
 */
export function disarm(client: Client): void {
  client.removeAllListeners();
  const manager = client.connectionManager;
  manager.connect = () => undefined;
  manager.onSocketConnected = function (this: ConnectionManager) {
    this.socket?.destroy();
  };
  manager.onSocketData = () => undefined;
  manager.onSocketClosed = () => undefined;
  const socket = manager.socket;
  socket?.removeAllListeners();
  socket?.on('error', () => undefined);
  socket?.destroy();
}

/** One line saying why each server gave no session, from a plain TCP connection to each. */
async function whyUnreachable(servers: string[]): Promise<string> {
  const reasons = await Promise.all(servers.map(async (s) => `${s} ${await tcpProbe(s)}`));
  return reasons.join(', ');
}

function tcpProbe(server: string): Promise<string> {
  const colon = server.lastIndexOf(':');
  const host = server.slice(0, colon);
  const port = Number(server.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (why: string) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(2000, () => finish('does not answer (no connection within 2secs)'));
    socket.once('connect', () => finish('accepts connections but gives no session (is it part of a quorum that is up?)'));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') finish('refused the connection (is ZooKeeper running there?)');
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') finish(`is not a known host name`);
      else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') finish('is unreachable (no route)');
      else finish(`cannot be reached: ${err.code ?? err.message}`);
    });
  });
}
