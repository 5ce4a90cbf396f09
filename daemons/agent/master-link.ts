// The agent's connection to its master: one request that stays open both ways. Its body is a
// RecordIO stream that starts with REGISTER (or re-register) and then carries the agent's
// frequent messages (status updates, LATEST_STATE, PONG); its response is the master's stream of
// messages to the agent. At thousands of agents a request per message would cost the master more
// than the messages themselves, and one socket per agent keeps the master within its file limit.
// Reconnect with randomized exponential backoff when it breaks or when the master stops pinging;
// other messages go as separate POSTs. With masters in ZooKeeper the link follows the leader:
// a new leader is registered with at once (the agent keeps its id and tasks), and while no
// master leads the link waits.
import type { Logger } from 'pino';
import {
  AGENT_ENDPOINT,
  AGENT_ID_HEADER,
  AGENT_STREAM_CONTENT_TYPE,
  AGENT_STREAM_TYPES,
  type AgentToMaster,
  type MasterToAgent,
  type RegisterMessage,
  STREAM_ID_HEADER,
} from '../common/agent-protocol.ts';
import { type Endpoint, type RecordStream, openRecordStream, request } from '../common/http-client.ts';
import type { TaskStatus } from '../common/mesos.ts';
import type { MasterChannel } from './records.ts';

export interface MasterLinkEvents {
  registration(): RegisterMessage['register'];
  registered(agentId: string, masterId: string, reregistered: boolean): void;
  message(msg: MasterToAgent): void;
  /** The master refused the agent; it must start over with a new identity. */
  shutdown(message: string): void;
}

const MAX_BACKOFF_MS = 60_000;

export class MasterLink implements MasterChannel {
  private stream?: RecordStream;
  private agentId?: string;
  private streamId?: string;
  private attempts = 0;
  private stopped = false;
  private watchdog?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private pingWindowMs = 0;
  private outbox: Array<{ framework_id: string; status: TaskStatus }> = [];
  /** Identifies the current connection attempt; events of older ones are ignored. */
  private generation = 0;
  connected = false;

  constructor(
    /** The master connected to (the leader, when it is followed); undefined while none leads. */
    public master: Endpoint | undefined,
    private readonly events: MasterLinkEvents,
    private readonly log: Logger,
    private readonly backoffFactorMs = 1000,
    /** The Authorization header of the agent's --credential, sent on every request to the master. */
    private readonly authorization?: string,
  ) {}

  private authHeaders(): Record<string, string> {
    return this.authorization === undefined ? {} : { Authorization: this.authorization };
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.close();
  }

  /**
   * Connects to a new leading master (undefined: none leads now) in place of the current one,
   * re-registering with this agent's id and tasks (Slave::detected).
   */
  follow(master: Endpoint | undefined): void {
    if (sameEndpoint(master, this.master) && (master === undefined || this.connected)) return;
    this.master = master;
    // Events of the stream to the old master are ignored from here.
    this.generation++;
    this.stream?.close();
    this.stream = undefined;
    this.connected = false;
    this.streamId = undefined;
    this.attempts = 0;
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    if (master === undefined) {
      this.log.warn('No master leads; waiting for a new leading master');
      return;
    }
    this.log.info(`New master detected at ${master.host}:${master.port}; registering with it`);
    void this.connect();
  }

  private scheduleReconnect(why: string): void {
    this.connected = false;
    this.streamId = undefined;
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.stopped || this.reconnectTimer || this.master === undefined) return;
    const cap = Math.min(MAX_BACKOFF_MS, this.backoffFactorMs * 2 ** Math.min(this.attempts, 16));
    const delay = this.attempts === 0 ? 0 : Math.random() * cap;
    this.attempts++;
    const level = this.attempts > 1 ? 'debug' : 'warn';
    this.log[level](`Connection to master ${this.master.host}:${this.master.port} ${why}; retrying in ${Math.round(delay)} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.pingWindowMs <= 0) return;
    this.watchdog = setTimeout(() => {
      this.log.warn(`No ping from the master for ${this.pingWindowMs / 1000}s; reconnecting`);
      this.stream?.close();
    }, this.pingWindowMs);
    this.watchdog.unref();
  }

  private async connect(): Promise<void> {
    const master = this.master;
    if (this.stopped || master === undefined) return;
    const generation = ++this.generation;
    const body = JSON.stringify({ type: 'REGISTER', register: this.events.registration() } satisfies RegisterMessage);
    try {
      const stream = await openRecordStream(
        master,
        AGENT_ENDPOINT,
        body,
        { 'Content-Type': AGENT_STREAM_CONTENT_TYPE, Accept: 'application/json', ...this.authHeaders() },
        (record, status) => {
          if (generation !== this.generation) return;
          if (status !== 200) {
            this.log.error(`Master refused registration (HTTP ${status}): ${record.toString('utf8').slice(0, 500)}`);
            return;
          }
          let msg: MasterToAgent;
          try {
            msg = JSON.parse(record.toString('utf8')) as MasterToAgent;
          } catch {
            this.log.error('Dropping an unparsable message from the master');
            return;
          }
          this.onMessage(msg);
        },
        (err) => {
          if (generation === this.generation) this.scheduleReconnect(err ? `failed: ${err.message}` : 'closed');
        },
        (status, headers) => {
          const sid = headers['mesos-stream-id'];
          if (status === 200 && generation === this.generation) this.streamId = Array.isArray(sid) ? sid[0] : sid;
        },
        true,
      );
      if (generation === this.generation) this.stream = stream;
      else stream.close();
    } catch (err) {
      if (generation === this.generation) this.scheduleReconnect(`could not be opened: ${(err as Error).message}`);
    }
  }

  private onMessage(msg: MasterToAgent): void {
    if (msg.type === 'REGISTERED') {
      const r = msg.registered;
      this.agentId = r.agent_id;
      this.connected = true;
      this.attempts = 0;
      this.pingWindowMs = r.ping_interval_seconds * 1000 * (r.max_missed_pings + 1);
      this.armWatchdog();
      this.events.registered(r.agent_id, r.master_id, r.reregistered);
      return;
    }
    if (msg.type === 'PING') {
      this.armWatchdog();
      void this.post({ type: 'PONG', pong: { seq: msg.ping.seq } });
      return;
    }
    if (msg.type === 'SHUTDOWN') {
      this.agentId = undefined;
      this.events.shutdown(msg.shutdown.message);
      this.stream?.close();
      return;
    }
    this.events.message(msg);
  }

  /**
   * Sends a message on the current registration: the frequent ones on the registration's own
   * request (true once written; one lost with a broken connection is retried or superseded),
   * the others as a POST (true once the master accepted it); false when it did not get through.
   */
  async post(msg: AgentToMaster): Promise<boolean> {
    const master = this.master;
    if (!this.connected || !this.agentId || !this.streamId || master === undefined) return false;
    if (AGENT_STREAM_TYPES.has(msg.type) && this.stream?.send(JSON.stringify(msg))) return true;
    try {
      const res = await request(master, 'POST', AGENT_ENDPOINT, JSON.stringify(msg), {
        'Content-Type': 'application/json',
        [AGENT_ID_HEADER]: this.agentId,
        [STREAM_ID_HEADER]: this.streamId,
        ...this.authHeaders(),
      });
      if (res.status === 409) {
        // The master no longer knows this stream: register again.
        this.stream?.close();
        return false;
      }
      return res.status === 202;
    } catch (err) {
      this.log.debug(`Failed to send ${msg.type} to the master: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * Updates of the same moment (many tasks ending together) go to the master in one request;
   * one that cannot be delivered is resent by the status update manager.
   */
  sendStatusUpdate(frameworkId: string, status: TaskStatus): void {
    this.outbox.push({ framework_id: frameworkId, status });
    if (this.outbox.length === 1) setImmediate(() => this.flushStatusUpdates());
  }

  private flushStatusUpdates(): void {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 1) void this.post({ type: 'STATUS_UPDATE', status_update: batch[0]! });
    else if (batch.length > 1) void this.post({ type: 'STATUS_UPDATES', status_updates: batch });
  }
}

function sameEndpoint(a: Endpoint | undefined, b: Endpoint | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.host === b.host && a.port === b.port);
}
