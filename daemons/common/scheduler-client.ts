// A v1 scheduler HTTP API client: SUBSCRIBE opens the event stream (RecordIO), every other
// call is a POST with the framework id and Mesos-Stream-Id. JSON or protobuf on the wire; the
// caller always sees JSON-shaped events. Used by `mesos execute`, the tests and the benchmarks.
// A master that does not lead answers SUBSCRIBE with 307 to the leader: the client follows it
// and stays with that master (the scheduler API's documented workflow).
import { type Endpoint, type RecordStream, openRecordStream, redirectTarget, request } from './http-client.ts';
import { APPLICATION_JSON, APPLICATION_PROTOBUF } from './http.ts';
import type { FrameworkInfo, mesos, SchedulerCall } from './mesos.ts';
type ProtoCodec = typeof import('./proto/codec.ts');

export type WireFormat = 'json' | 'protobuf';

export class SchedulerCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SchedulerClientOptions {
  master: Endpoint;
  format?: WireFormat;
  path?: string;
  /** Each event as the master sent it (in JSON mode unchecked: the master is trusted to speak the API). */
  onEvent: (event: mesos.v1.scheduler.Event) => void;
  /** An Authorization header (HTTP Basic of the framework's credential) sent with every call. */
  authorization?: string | undefined;
  /** The event stream ended (master gone, or it closed the stream); not after close(). */
  onDisconnected?: (err?: Error) => void;
}

/** Redirects followed by one SUBSCRIBE before it fails (a loop between masters otherwise). */
const MAX_REDIRECTS = 5;

export class SchedulerClient {
  frameworkId?: string;
  streamId?: string;
  /** The master the calls go to: the one given, or the leader a redirect pointed at. */
  master: Endpoint;
  private stream?: RecordStream;
  /** Counts subscriptions and closes: only the current stream's end is a disconnection. */
  private generation = 0;
  private readonly format: WireFormat;
  private readonly mediaType: string;
  private readonly path: string;
  /** Loaded by the first call in protobuf: loading the schema is a noticeable part of a short-lived CLI's run. */
  private proto?: ProtoCodec;

  constructor(private readonly opts: SchedulerClientOptions) {
    this.format = opts.format ?? 'json';
    this.mediaType = this.format === 'json' ? APPLICATION_JSON : APPLICATION_PROTOBUF;
    this.path = opts.path ?? '/api/v1/scheduler';
    this.master = opts.master;
  }

  private authHeaders(): Record<string, string> {
    return this.opts.authorization === undefined ? {} : { Authorization: this.opts.authorization };
  }

  private async loadCodec(): Promise<void> {
    this.proto ??= await import('./proto/codec.ts');
  }

  private encodeCall(call: SchedulerCall): Uint8Array | string {
    return this.proto === undefined ? JSON.stringify(call) : this.proto.encode('mesos.v1.scheduler.Call', call);
  }

  private decodeEvent(record: Buffer): mesos.v1.scheduler.Event {
    if (this.proto === undefined) return JSON.parse(record.toString('utf8')) as mesos.v1.scheduler.Event;
    return this.proto.decode('mesos.v1.scheduler.Event', record);
  }

  /**
   * Subscribes; resolves once the stream is open (the SUBSCRIBED event arrives through
   * onEvent). Rejects with SchedulerCallError when the master answers with an error status.
   */
  async subscribe(frameworkInfo: FrameworkInfo, suppressedRoles?: string[]): Promise<void> {
    for (let hops = 0; ; hops++) {
      const location = await this.subscribeOnce(frameworkInfo, suppressedRoles);
      if (location === undefined) return;
      const next = redirectTarget(this.master, location);
      if (next === undefined)
        throw new SchedulerCallError(
          307,
          `the master at ${this.master.host}:${this.master.port} redirected to '${location}', which cannot be followed`,
        );
      if (hops >= MAX_REDIRECTS) throw new SchedulerCallError(307, `more than ${MAX_REDIRECTS} redirects, the last to '${location}'`);
      this.master = next;
    }
  }

  /** One SUBSCRIBE; the Location of a 307, or undefined once the stream is open. */
  private async subscribeOnce(frameworkInfo: FrameworkInfo, suppressedRoles?: string[]): Promise<string | undefined> {
    const call: SchedulerCall = {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: frameworkInfo, ...(suppressedRoles ? { suppressed_roles: suppressedRoles } : {}) },
    };
    if (frameworkInfo.id) call.framework_id = frameworkInfo.id;
    if (this.format === 'protobuf' && this.proto === undefined) await this.loadCodec();
    let errorBody: string | undefined;
    let status = 0;
    let markEnded: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      markEnded = resolve;
    });
    const generation = ++this.generation;
    const stream = await openRecordStream(
      this.master,
      this.path,
      this.encodeCall(call),
      { 'Content-Type': this.mediaType, Accept: this.mediaType, Connection: 'close', ...this.authHeaders() },
      (record, recordStatus) => {
        if (recordStatus !== 200) {
          errorBody = record.toString('utf8');
          return;
        }
        let event: mesos.v1.scheduler.Event;
        try {
          event = this.decodeEvent(record);
        } catch (err) {
          this.stream?.close();
          this.opts.onDisconnected?.(new Error(`undecodable event from the master: ${(err as Error).message}`));
          return;
        }
        if (event.type === 'SUBSCRIBED' && event.subscribed) this.frameworkId = event.subscribed.framework_id.value;
        this.opts.onEvent(event);
      },
      (err) => {
        markEnded();
        if (status === 200 && generation === this.generation) this.opts.onDisconnected?.(err);
      },
      (s, headers) => {
        status = s;
        const sid = headers['mesos-stream-id'];
        if (s === 200) this.streamId = Array.isArray(sid) ? sid[0] : sid;
      },
    );
    if (generation !== this.generation) {
      // Closed, or subscribed again, while this one was being answered.
      stream.close();
      throw new SchedulerCallError(0, 'the subscription was closed');
    }
    this.stream = stream;
    const location = stream.headers.location;
    if (stream.status === 307 && location) {
      stream.close();
      return location;
    }
    if (stream.status !== 200) {
      // The error text is the body, which arrives after the headers.
      await ended;
      throw new SchedulerCallError(stream.status, errorBody?.trim() || `HTTP ${stream.status}`);
    }
    return undefined;
  }

  /** Sends a call (framework_id is filled in); throws SchedulerCallError on a non-2xx answer. */
  async call(call: Omit<SchedulerCall, 'framework_id'>): Promise<void> {
    if (!this.frameworkId || !this.streamId) throw new SchedulerCallError(0, 'not subscribed');
    if (this.format === 'protobuf' && this.proto === undefined) await this.loadCodec();
    const body = this.encodeCall({ framework_id: { value: this.frameworkId }, ...call });
    const res = await request(this.master, 'POST', this.path, body, {
      'Content-Type': this.mediaType,
      Accept: this.mediaType,
      'Mesos-Stream-Id': this.streamId,
      ...this.authHeaders(),
    });
    if (res.status !== 202 && res.status !== 200) {
      throw new SchedulerCallError(res.status, `${call.type} failed with HTTP ${res.status}: ${res.body.toString('utf8').trim()}`);
    }
  }

  /** Ends the event stream from this side (reported to no one). */
  close(): void {
    this.generation++;
    this.stream?.close();
  }
}
