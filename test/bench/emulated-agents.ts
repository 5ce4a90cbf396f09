// Emulated agents for benchmarks: many agents in one process, speaking the real master <-> agent
// protocol (daemons/common/agent-protocol.ts) — REGISTER streams, PONGs, status updates — but
// running no processes: a launched task reports STARTING, RUNNING and, after `taskMs`,
// FINISHED, and its updates are resent until acknowledged like a real agent's.
import http from 'node:http';
import {
  AGENT_ENDPOINT,
  AGENT_ID_HEADER,
  AGENT_STREAM_CONTENT_TYPE,
  AGENT_STREAM_TYPES,
  type AgentToMaster,
  type MasterToAgent,
  type RegisterMessage,
  type ReportedTask,
  STREAM_ID_HEADER,
} from '../../daemons/common/agent-protocol.ts';
import { newStatusUuid } from '../../daemons/common/ids.ts';
import type { Resource, TaskInfo, TaskState, TaskStatus } from '../../daemons/common/mesos.ts';
import { RecordIODecoder, encodeRecord, encodeTextRecord } from '../../daemons/common/recordio.ts';

export interface EmulatorOptions {
  masterHost: string;
  masterPort: number;
  count: number;
  resources: Resource[];
  /** How long an emulated task "runs" before it finishes. */
  taskMs: number;
  /** Agent ids to re-register with (after a master restart), by index. */
  ids?: string[];
  /** Number of the first agent, when several processes each emulate a slice of the agents. */
  firstIndex?: number;
  /**
   * When given, collects how long each TASK_FINISHED update waited between its timestamp and its
   * write to the master (ms): the emulator's own delay, part of the scale bench's offer cycle.
   */
  finishedSendDelays?: number[];
}

interface EmuTask {
  frameworkId: string;
  info: TaskInfo;
  state: TaskState;
  pending: TaskStatus[];
}

const agentPool = new http.Agent({ keepAlive: true, maxSockets: 256 });

class EmulatedAgent {
  id?: string;
  streamId?: string;
  registered = false;
  readonly tasks = new Map<string, EmuTask>();
  private req?: http.ClientRequest;
  private closed = false;
  private reconnecting = false;
  private outbox: Array<{ framework_id: string; status: TaskStatus }> = [];
  private corked = false;

  constructor(
    readonly index: number,
    private readonly opts: EmulatorOptions,
    private readonly onRegistered: (a: EmulatedAgent, reregistered: boolean) => void,
    private readonly onTerminal: () => void,
  ) {
    this.id = opts.ids?.[index];
  }

  registration(): RegisterMessage['register'] {
    const n = this.index + (this.opts.firstIndex ?? 0);
    const tasks: ReportedTask[] = [...this.tasks.values()].map((t) => ({
      framework_id: t.frameworkId,
      executor_id: '',
      task: t.info,
      state: t.state,
    }));
    return {
      ...(this.id ? { agent_id: this.id } : {}),
      hostname: `emu-${n}`,
      port: 10000 + n,
      pid: `slave(1)@127.0.0.${1 + (n % 250)}:${10000 + n}`,
      version: '1.11.0',
      resources: this.opts.resources,
      attributes: [],
      tasks,
      frameworks: [],
    };
  }

  connect(): void {
    const body = JSON.stringify({ type: 'REGISTER', register: this.registration() });
    const decoder = new RecordIODecoder();
    this.req = http.request(
      {
        host: this.opts.masterHost,
        port: this.opts.masterPort,
        method: 'POST',
        path: AGENT_ENDPOINT,
        agent: false,
        // As the real agent: the request stays open and carries the frequent messages.
        headers: { 'Content-Type': AGENT_STREAM_CONTENT_TYPE },
      },
      (res) => {
        const sid = res.headers['mesos-stream-id'];
        this.streamId = Array.isArray(sid) ? sid[0] : sid;
        res.on('data', (chunk: Buffer) => {
          for (const r of decoder.decode(chunk)) this.onMessage(JSON.parse(r.toString('utf8')) as MasterToAgent);
        });
        res.on('error', () => undefined);
        res.on('close', () => this.lost());
      },
    );
    this.req.on('error', () => this.lost());
    this.req.setNoDelay(true);
    this.req.write(encodeRecord(body));
  }

  /** Writes a message on the registration's request; false when it cannot take it. */
  private sendOnStream(msg: AgentToMaster): boolean {
    const req = this.req;
    if (!this.registered || !req || req.destroyed || !AGENT_STREAM_TYPES.has(msg.type)) return false;
    if (!this.corked) {
      this.corked = true;
      req.cork();
      process.nextTick(() => {
        this.corked = false;
        req.uncork();
      });
    }
    req.write(encodeTextRecord(JSON.stringify(msg)));
    return true;
  }

  /** The master went away: register again (with our id) until it answers. */
  private lost(): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    this.registered = false;
    this.streamId = undefined;
    setTimeout(() => {
      this.reconnecting = false;
      if (!this.closed) this.connect();
    }, 50);
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  private post(msg: AgentToMaster): void {
    if (!this.id || !this.streamId) return;
    if (this.sendOnStream(msg)) return;
    const body = JSON.stringify(msg);
    const req = http.request({
      host: this.opts.masterHost,
      port: this.opts.masterPort,
      method: 'POST',
      path: AGENT_ENDPOINT,
      agent: agentPool,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        [AGENT_ID_HEADER]: this.id,
        [STREAM_ID_HEADER]: this.streamId,
      },
    });
    req.on('response', (res) => res.resume());
    req.on('error', () => undefined);
    req.end(body);
  }

  private update(task: EmuTask, state: TaskState): void {
    task.state = state;
    const status: TaskStatus = {
      task_id: task.info.task_id,
      state,
      source: 'SOURCE_EXECUTOR',
      agent_id: { value: this.id! },
      // Sub-millisecond wall clock: the scale bench orders these against offers seen in other processes.
      timestamp: (performance.timeOrigin + performance.now()) / 1000,
      uuid: newStatusUuid(),
      ...(state === 'TASK_FINISHED' ? { message: 'Command exited with status 0' } : {}),
    };
    task.pending.push(status);
    if (task.pending.length === 1) this.sendUpdate(task.frameworkId, status);
    // As the real agent's status update manager: a task that ended behind unacknowledged updates is announced.
    else if (state === 'TASK_FINISHED')
      this.post({ type: 'LATEST_STATE', latest_state: { framework_id: task.frameworkId, task_id: task.info.task_id.value, state } });
  }

  /** Like the real agent: updates of the same moment go in one request. */
  private sendUpdate(frameworkId: string, status: TaskStatus): void {
    this.outbox.push({ framework_id: frameworkId, status });
    if (this.outbox.length > 1) return;
    setImmediate(() => {
      const batch = this.outbox;
      this.outbox = [];
      const delays = this.opts.finishedSendDelays;
      if (delays) {
        const now = performance.timeOrigin + performance.now();
        for (const u of batch)
          if (u.status.state === 'TASK_FINISHED' && u.status.timestamp !== undefined) delays.push(now - u.status.timestamp * 1000);
      }
      if (batch.length === 1) this.post({ type: 'STATUS_UPDATE', status_update: batch[0]! });
      else this.post({ type: 'STATUS_UPDATES', status_updates: batch });
    });
  }

  private onMessage(msg: MasterToAgent): void {
    switch (msg.type) {
      case 'REGISTERED':
        this.id = msg.registered.agent_id;
        this.registered = true;
        this.onRegistered(this, msg.registered.reregistered);
        for (const t of this.tasks.values()) {
          const head = t.pending[0];
          if (head) this.sendUpdate(t.frameworkId, head);
        }
        break;
      case 'PING':
        this.post({ type: 'PONG', pong: { seq: msg.ping.seq } });
        break;
      case 'RUN_TASK': {
        const fwId = msg.run_task.framework.id!.value;
        const task: EmuTask = { frameworkId: fwId, info: msg.run_task.task, state: 'TASK_STAGING', pending: [] };
        this.tasks.set(`${fwId}/${task.info.task_id.value}`, task);
        this.update(task, 'TASK_STARTING');
        this.update(task, 'TASK_RUNNING');
        setTimeout(() => this.update(task, 'TASK_FINISHED'), this.opts.taskMs);
        break;
      }
      case 'ACKNOWLEDGE': {
        const key = `${msg.acknowledge.framework_id}/${msg.acknowledge.task_id}`;
        const task = this.tasks.get(key);
        if (!task || task.pending[0]?.uuid !== msg.acknowledge.uuid) break;
        task.pending.shift();
        const next = task.pending[0];
        if (next) this.sendUpdate(task.frameworkId, next);
        else if (task.state === 'TASK_FINISHED') {
          this.tasks.delete(key);
          this.onTerminal();
        }
        break;
      }
      default:
        break;
    }
  }
}

export class AgentEmulator {
  readonly agents: EmulatedAgent[] = [];
  registeredCount = 0;
  reregisteredCount = 0;
  finishedTasks = 0;
  private waiters: Array<() => void> = [];
  private reregisterWaiters: Array<() => void> = [];

  constructor(opts: EmulatorOptions) {
    for (let i = 0; i < opts.count; i++) {
      this.agents.push(
        new EmulatedAgent(
          i,
          opts,
          (_agent, reregistered) => {
            if (reregistered) {
              this.reregisteredCount++;
              if (this.reregisteredCount === opts.count) for (const w of this.reregisterWaiters.splice(0)) w();
              return;
            }
            this.registeredCount++;
            if (this.registeredCount === opts.count) for (const w of this.waiters.splice(0)) w();
          },
          () => {
            this.finishedTasks++;
          },
        ),
      );
    }
  }

  /** Connects every agent at once (a registration storm); resolves when all are registered. */
  async start(): Promise<void> {
    const all = new Promise<void>((resolve) => this.waiters.push(resolve));
    for (const a of this.agents) a.connect();
    await all;
  }

  /** Resolves when every agent has re-registered (after a master restart). */
  allReregistered(): Promise<void> {
    this.reregisteredCount = 0;
    return new Promise((resolve) => this.reregisterWaiters.push(resolve));
  }

  ids(): string[] {
    return this.agents.map((a) => a.id ?? '');
  }

  stop(): void {
    for (const a of this.agents) a.close();
  }
}
