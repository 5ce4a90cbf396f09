// POST /api/v1/scheduler: the v1 scheduler HTTP API's transport — media types, decoding and
// validation, the SUBSCRIBE event stream (RecordIO, Mesos-Stream-Id) — in front of the core.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  APPLICATION_PROTOBUF,
  type MediaType,
  requestMediaType,
  responseMediaType,
  sendText,
  startRecordIOStream,
} from '../common/http.ts';
import { newUuid } from '../common/ids.ts';
import type { FrameworkInfo } from '../common/mesos.ts';
import { decode, encode, fromJson } from '../common/proto/codec.ts';
import type { EventSink, SchedulerEvent } from './links.ts';
import type { FrameworkRecord } from './records.ts';
import { CallError, type Master } from './master.ts';
import { applyCall, type SchedulerCall } from './scheduler-calls.ts';

/** A request whose body was read (by the fast path or express.raw). */
export type BodyRequest = IncomingMessage & { body?: unknown };

const CALL_TYPE = 'mesos.v1.scheduler.Call';
const EVENT_TYPE = 'mesos.v1.scheduler.Event';

/** Parses the body as a scheduler Call of the given media type; throws CallError(400). */
export function parseCall(body: Buffer, mediaType: MediaType, typeName = CALL_TYPE): Record<string, unknown> {
  if (mediaType === APPLICATION_PROTOBUF) {
    try {
      return decode(typeName, body);
    } catch (err) {
      throw new CallError(400, `Failed to parse body into Call protobuf: ${(err as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new CallError(400, `Failed to parse body into JSON: ${(err as Error).message}`);
  }
  const result = fromJson(typeName, json);
  if (!result.ok) throw new CallError(400, result.error);
  return result.value;
}

/** An event stream to one scheduler, in the media type it asked for. */
export function makeEventSink(res: ServerResponse, mediaType: MediaType, streamId: string): EventSink {
  const write = startRecordIOStream(res, mediaType, { 'Mesos-Stream-Id': streamId });
  const encodeEvent =
    mediaType === APPLICATION_PROTOBUF ? (e: SchedulerEvent) => encode(EVENT_TYPE, e) : (e: SchedulerEvent) => JSON.stringify(e);
  return {
    send(event) {
      write(encodeEvent(event));
    },
    close() {
      if (!res.writableEnded) res.end();
    },
  };
}

export function schedulerApiHandler(master: Master) {
  return (req: BodyRequest, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendText(res, 405, `Expecting a 'POST' request, received '${req.method}'`);
      return;
    }
    const reqType = requestMediaType(req);
    if (typeof reqType !== 'string') return sendText(res, reqType.status, reqType.message);
    const respType = responseMediaType(req);
    if (typeof respType !== 'string') return sendText(res, respType.status, respType.message);
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const call = parseCall(body, reqType) as unknown as SchedulerCall;
      const streamHeader = req.headers['mesos-stream-id'];
      const streamId = Array.isArray(streamHeader) ? streamHeader[0] : streamHeader;
      if (call.type === 'SUBSCRIBE') {
        subscribe(master, call, streamId, req, res, respType);
        return;
      }
      if (call.type === 'UNKNOWN' || !call.type) throw new CallError(400, "Expecting 'type' to be present");
      const fw = master.frameworkForCall(call.framework_id?.value, streamId);
      const principal = fw.info.principal;
      const limits = master.rateLimits;
      limits.received(principal);
      const limiter = limits.limiterFor(principal);
      if (limiter === undefined) {
        try {
          answerCall(master, fw, call, res);
        } finally {
          limits.processed(principal);
        }
        return;
      }
      const waited = () => {
        // Its framework is looked up again: it may have gone or subscribed anew meanwhile.
        try {
          answerCall(master, master.frameworkForCall(call.framework_id?.value, streamId), call, res);
        } catch (err) {
          answerError(master, res, err);
        }
        limits.processed(principal);
      };
      if (!limiter.submit(waited)) {
        const message = `Message ${call.type} dropped: capacity(${limiter.capacity}) exceeded`;
        master.log.warn({ principal }, `Dropping call ${call.type} of framework ${call.framework_id?.value}${principal === undefined ? '' : ` (${principal})`}: capacity(${limiter.capacity}) exceeded`);
        sendText(res, 429, message);
      }
    } catch (err) {
      answerError(master, res, err);
    }
  };
}

/** Applies a call and answers it; throws CallError for a wrong call. */
function answerCall(master: Master, fw: FrameworkRecord, call: SchedulerCall, res: ServerResponse): void {
  const status = applyCall(master, fw, call);
  // An explicit empty body, as libprocess answers: without it Node would send a chunked one.
  res.writeHead(status, { 'Content-Length': 0 }).end();
}

function answerError(master: Master, res: ServerResponse, err: unknown): void {
  if (err instanceof CallError) {
    sendText(res, err.status, err.message);
    return;
  }
  master.log.error({ err }, 'Failed to handle a scheduler call');
  sendText(res, 500, `Internal error: ${(err as Error).message}`);
}

function subscribe(master: Master, call: SchedulerCall, streamId: string | undefined, req: BodyRequest, res: ServerResponse, mediaType: MediaType): void {
  if (streamId) throw new CallError(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
  const sub = call.subscribe as { framework_info?: FrameworkInfo; suppressed_roles?: string[] } | undefined;
  if (!sub?.framework_info) throw new CallError(400, "Expecting 'subscribe' to be present");
  const info = sub.framework_info;
  if (call.framework_id && info.id && call.framework_id.value !== info.id.value) {
    throw new CallError(400, "'framework_id' differs from 'subscribe.framework_info.id'");
  }
  if (call.framework_id && !info.id) throw new CallError(400, "'subscribe.framework_info.id' must be set when 'framework_id' is");
  master.checkSubscribe(info);
  const newStreamId = newUuid();
  const sink = makeEventSink(res, mediaType, newStreamId);
  const frameworkId = master.subscribe(info, sub.suppressed_roles ?? [], sink, newStreamId).id;
  const onClose = () => master.frameworkDisconnected(frameworkId, newStreamId);
  res.on('close', onClose);
  req.socket.setKeepAlive(true, 10_000);
}
