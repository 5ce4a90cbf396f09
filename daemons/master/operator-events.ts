// The master's operator event stream (SUBSCRIBE of the v1 operator API): the one place the
// master tells of the changes operators follow, as Mesos's Master::Subscribers does
// (src/master/master.cpp). The master calls it where a task is added or changes state, an agent
// comes or goes, a framework is added, updated or removed; each event is made once (only when
// someone listens), filtered for each subscriber by what its principal may view
// (view_frameworks, view_tasks), encoded once per media type and sent, in the order the master
// made the changes. It does no I/O: each subscriber is a stream of records the HTTP side hands in.
import { APPLICATION_PROTOBUF, type MediaType } from '../common/http.ts';
import type { FrameworkInfo, mesos, TaskInfo, TaskStatus } from '../common/mesos.ts';
import { encode } from '../common/proto/codec.ts';
import type { AgentRecord, FrameworkRecord, TaskRecord } from './records.ts';

export type OperatorEvent = mesos.v1.master.Event;
type GetState = mesos.v1.master.Response.GetState;
type V1Framework = mesos.v1.master.Response.GetFrameworks.Framework;

/** What a subscriber may view: the frameworks and tasks of view_frameworks and view_tasks. */
export interface EventViewer {
  framework(info: FrameworkInfo): boolean;
  task(task: TaskInfo, framework: FrameworkInfo): boolean;
}

/** How the master's records look in the v1 operator API (the shapes GET_STATE answers with). */
export interface EventFormat<V extends EventViewer> {
  /** What a principal may view. */
  viewer(principal: string | undefined): V;
  /** GET_STATE's answer for that viewer. */
  state(viewer: V): GetState;
  task(task: TaskRecord, framework: FrameworkInfo): mesos.v1.Task;
  agent(agent: AgentRecord): mesos.v1.master.Response.GetAgents.Agent;
  framework(fw: FrameworkRecord): V1Framework;
}

/** Where one subscriber's events go: one encoded event a record. */
export interface EventStream {
  send(payload: string | Uint8Array): void;
  /** Sends what waits, then ends the stream. */
  close(): void;
}

export interface OperatorEventsOptions {
  /** --max_operator_event_stream_subscribers: beyond it the oldest subscriber is dropped. */
  maxSubscribers: number;
  /** Mesos's DEFAULT_HEARTBEAT_INTERVAL (15 s). */
  heartbeatIntervalSecs: number;
  /** Told when a subscriber is dropped for a newer one. */
  onDropped?: (id: number) => void;
}

interface Subscriber<V> {
  viewer: V;
  mediaType: MediaType;
  stream: EventStream;
}

const EVENT_TYPE = 'mesos.v1.master.Event';

/** An event encoded for one media type. */
export function encodeOperatorEvent(event: OperatorEvent, mediaType: MediaType): string | Uint8Array {
  return mediaType === APPLICATION_PROTOBUF ? encode(EVENT_TYPE, event) : JSON.stringify(event);
}

/**
 * A framework as FRAMEWORK_ADDED and FRAMEWORK_UPDATED carry it (createFrameworkAdded): its
 * info, flags and times, without the offers and resources GET_FRAMEWORKS adds.
 */
export function frameworkEventBody(framework: V1Framework): V1Framework {
  const { offers: _o, allocated_resources: _a, offered_resources: _r, inverse_offers: _i, ...rest } = framework;
  return rest;
}

/** The status a TASK_UPDATED carries: the update as the master recorded it, without its data (MESOS-1746). */
function eventStatus(task: TaskRecord, status: TaskStatus): TaskStatus {
  const { data: _data, ...rest } = status;
  const out: TaskStatus = { ...rest, agent_id: { value: task.agentId } };
  if (out.executor_id === undefined && task.executorId !== '') out.executor_id = { value: task.executorId };
  return out;
}

export class OperatorEvents<V extends EventViewer = EventViewer> {
  /** In the order they subscribed: the first is the oldest. */
  private readonly subscribers = new Map<number, Subscriber<V>>();
  private nextId = 1;
  private heartbeats: NodeJS.Timeout | undefined;

  constructor(
    private readonly format: EventFormat<V>,
    private readonly options: OperatorEventsOptions,
  ) {}

  /** Subscribers now (master/operator_event_stream_subscribers). */
  get size(): number {
    return this.subscribers.size;
  }

  /**
   * A new subscriber: it gets SUBSCRIBED with the state its principal may view, then a
   * HEARTBEAT, then every later event it may view. Returns its id for unsubscribe().
   */
  subscribe(principal: string | undefined, mediaType: MediaType, stream: EventStream): number {
    while (this.subscribers.size > 0 && this.subscribers.size >= this.options.maxSubscribers) {
      const [oldest, sub] = this.subscribers.entries().next().value!;
      this.subscribers.delete(oldest);
      this.options.onDropped?.(oldest);
      sub.stream.close();
    }
    const viewer = this.format.viewer(principal);
    const subscribed: OperatorEvent = {
      type: 'SUBSCRIBED',
      subscribed: { get_state: this.format.state(viewer), heartbeat_interval_seconds: this.options.heartbeatIntervalSecs },
    };
    stream.send(encodeOperatorEvent(subscribed, mediaType));
    stream.send(encodeOperatorEvent({ type: 'HEARTBEAT' }, mediaType));
    const id = this.nextId++;
    this.subscribers.set(id, { viewer, mediaType, stream });
    return id;
  }

  /** The subscriber's stream closed; false when it was not subscribed (dropped already). */
  unsubscribe(id: number): boolean {
    return this.subscribers.delete(id);
  }

  /** Starts the HEARTBEAT events. */
  start(): void {
    if (this.heartbeats !== undefined) return;
    this.heartbeats = setInterval(() => this.heartbeat(), this.options.heartbeatIntervalSecs * 1000);
    this.heartbeats.unref();
  }

  /** Stops the heartbeats and ends every stream. */
  stop(): void {
    if (this.heartbeats !== undefined) clearInterval(this.heartbeats);
    this.heartbeats = undefined;
    const subs = [...this.subscribers.values()];
    this.subscribers.clear();
    for (const sub of subs) sub.stream.close();
  }

  heartbeat(): void {
    this.publish(() => ({ type: 'HEARTBEAT' }));
  }

  /** A task the master added (launched, or learnt from a re-registering agent). */
  taskAdded(fw: FrameworkRecord, task: TaskRecord): void {
    this.publish(
      () => ({ type: 'TASK_ADDED', task_added: { task: this.format.task(task, fw.info) } }),
      (v) => v.framework(fw.info) && v.task(task.info, fw.info),
    );
  }

  /** A task has a status of a new state; `task.state` is its latest state. */
  taskUpdated(framework: FrameworkInfo, task: TaskRecord, status: TaskStatus): void {
    this.publish(
      () => ({
        type: 'TASK_UPDATED',
        task_updated: { framework_id: { value: task.frameworkId }, status: eventStatus(task, status), state: task.state },
      }),
      (v) => v.framework(framework) && v.task(task.info, framework),
    );
  }

  frameworkAdded(fw: FrameworkRecord): void {
    this.publish(
      () => ({ type: 'FRAMEWORK_ADDED', framework_added: { framework: frameworkEventBody(this.format.framework(fw)) } }),
      (v) => v.framework(fw.info),
    );
  }

  frameworkUpdated(fw: FrameworkRecord): void {
    this.publish(
      () => ({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: frameworkEventBody(this.format.framework(fw)) } }),
      (v) => v.framework(fw.info),
    );
  }

  frameworkRemoved(info: FrameworkInfo): void {
    this.publish(
      () => ({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: info } }),
      (v) => v.framework(info),
    );
  }

  agentAdded(agent: AgentRecord): void {
    this.publish(() => ({ type: 'AGENT_ADDED', agent_added: { agent: this.format.agent(agent) } }));
  }

  agentRemoved(agentId: string): void {
    this.publish(() => ({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agentId } } }));
  }

  /**
   * Sends an event to each subscriber that may view it. Nothing is made while nobody listens,
   * and the event is made and encoded at most once per media type however many listen.
   */
  private publish(make: () => OperatorEvent, visible?: (viewer: V) => boolean): void {
    if (this.subscribers.size === 0) return;
    let event: OperatorEvent | undefined;
    let json: string | Uint8Array | undefined;
    let proto: string | Uint8Array | undefined;
    for (const sub of this.subscribers.values()) {
      if (visible !== undefined && !visible(sub.viewer)) continue;
      event ??= make();
      if (sub.mediaType === APPLICATION_PROTOBUF) {
        proto ??= encodeOperatorEvent(event, APPLICATION_PROTOBUF);
        sub.stream.send(proto);
      } else {
        json ??= encodeOperatorEvent(event, sub.mediaType);
        sub.stream.send(json);
      }
    }
  }
}
