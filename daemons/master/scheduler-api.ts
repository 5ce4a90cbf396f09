// POST /api/v1/scheduler: the v1 scheduler HTTP API's transport — media types, decoding and
// validation, the SUBSCRIBE event stream (RecordIO, Mesos-Stream-Id) — in front of the core.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  APPLICATION_JSON,
  APPLICATION_PROTOBUF,
  type MediaType,
  methodNotAllowed,
  requestMediaType,
  responseMediaType,
  sendText,
  startRecordIOStream,
} from '../common/http.ts';
import { newUuid } from '../common/ids.ts';
import type { SchedulerCall } from '../common/mesos.ts';
import { decode, encode, fromJson } from '../common/proto/codec.ts';
import { runInSlices } from '../common/slices.ts';
import { peerAddress, recordStream } from '../common/stream-backlog.ts';
import { CallParseError, DEFERRED_BODY_BYTES, SLICED_BODY_BYTES, parseLargeCall } from './large-call.ts';
import { callSizeProblem, jsonDepthExceeds, jsonTooDeepMessage, logName } from './limits.ts';
import type { EventSink, SchedulerEvent } from './links.ts';
import { registerFrameworkRefusal } from './authorizer/checks.ts';
import type { PrincipalRequest } from '../common/http-auth.ts';
import { adoptPrincipal, callPrincipalProblem, subscribePrincipalProblem } from './scheduler-principal.ts';
import { validateSchedulerCall } from './validation/scheduler-call.ts';
import { preserveImmutableFields } from './validation/framework.ts';
import type { FrameworkRecord } from './records.ts';
import type { Master } from './master.ts';
import { CallError, applyCall, frameworkForCall, payload } from './scheduler-calls.ts';

/** A request whose body was read (by the fast path or express.raw). */
export type BodyRequest = IncomingMessage & { body?: unknown };

const CALL_TYPE = 'mesos.v1.scheduler.Call';
const EVENT_TYPE = 'mesos.v1.scheduler.Event';

/** Parses the body as a scheduler Call of the given media type; throws CallError(400). */
export function parseCall(body: Buffer, mediaType: MediaType): SchedulerCall {
  if (mediaType === APPLICATION_PROTOBUF) {
    try {
      return decode(CALL_TYPE, body);
    } catch {
      // Mesos's text has no detail (protobuf's ParseFromString says only that it failed).
      throw new CallError(400, 'Failed to parse body into Call protobuf');
    }
  }
  if (jsonDepthExceeds(body)) throw new CallError(400, `Failed to parse body into JSON: ${jsonTooDeepMessage()}`);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new CallError(400, `Failed to parse body into JSON: ${(err as Error).message}`);
  }
  const result = fromJson(CALL_TYPE, json);
  if (!result.ok) throw new CallError(400, result.error);
  return result.value;
}

/**
 * An event stream to one scheduler, in the media type it asked for. With `maxBufferBytes`
 * (--max_event_stream_buffer_size) a scheduler that falls that far behind is disconnected and
 * `onOverflow` told how many bytes were waiting for it.
 */
export function makeEventSink(
  res: ServerResponse,
  mediaType: MediaType,
  streamId: string,
  maxBufferBytes?: number,
  onOverflow: (queuedBytes: number) => void = () => {},
): EventSink {
  startRecordIOStream(res, mediaType, { 'Mesos-Stream-Id': streamId });
  const stream = recordStream(res, maxBufferBytes, onOverflow);
  const encodeEvent =
    mediaType === APPLICATION_PROTOBUF ? (e: SchedulerEvent) => encode(EVENT_TYPE, e) : (e: SchedulerEvent) => JSON.stringify(e);
  return {
    send(event) {
      // A stream cut off (or closed by the scheduler) takes nothing: no need to encode for it.
      if (!res.destroyed) stream.send(encodeEvent(event));
    },
    close: stream.end,
    queuedBytes: stream.queued,
  };
}

/**
 * The handler, checking a request in the order of Mesos's Master::Http::scheduler (http.cpp):
 * method, Content-Type, body, call validation, Accept (for the calls answered with a stream or
 * events), then SUBSCRIBE or the framework and its stream id, then the call itself.
 */
export function schedulerApiHandler(master: Master) {
  return (req: BodyRequest, res: ServerResponse) => {
    if (req.method !== 'POST') return methodNotAllowed(res, ['POST'], req.method);
    const reqType = requestMediaType(req);
    if (typeof reqType !== 'string') return sendText(res, reqType.status, reqType.message);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (reqType === APPLICATION_JSON && body.length >= SLICED_BODY_BYTES) {
      parseLargeCall(body).then(
        (call) => handleCall(master, call, req, res),
        (err: unknown) => answerError(master, res, err instanceof CallParseError ? new CallError(400, err.message) : err),
      );
      return;
    }
    if (body.length >= DEFERRED_BODY_BYTES) {
      let call: SchedulerCall | undefined;
      runInSlices(
        () => {
          call = parseCall(body, reqType);
          return true;
        },
        { deferred: true },
      ).then(
        () => handleCall(master, call!, req, res),
        (err: unknown) => answerError(master, res, err),
      );
      return;
    }
    let call: SchedulerCall;
    try {
      call = parseCall(body, reqType);
    } catch (err) {
      answerError(master, res, err);
      return;
    }
    handleCall(master, call, req, res);
  };
}

/** A decoded call: validation, then SUBSCRIBE or the call of a subscribed framework. */
function handleCall(master: Master, call: SchedulerCall, req: BodyRequest, res: ServerResponse): void {
  try {
    const authenticated = (req as PrincipalRequest).principal;
    const invalid = validateSchedulerCall(call) ?? subscribePrincipalProblem(call, authenticated);
    if (invalid) throw new CallError(400, `Failed to validate scheduler::Call: ${invalid}`);
    const tooLarge = callSizeProblem(call);
    if (tooLarge) throw new CallError(400, `Failed to validate scheduler::Call: ${tooLarge}`);
    let respType: MediaType = APPLICATION_JSON;
    if (call.type === 'SUBSCRIBE' || call.type === 'RECONCILE_OPERATIONS') {
      const accepted = responseMediaType(req);
      if (typeof accepted !== 'string') {
        sendText(res, accepted.status, accepted.message);
        return;
      }
      respType = accepted;
    }
    const streamHeader = req.headers['mesos-stream-id'];
    const streamId = Array.isArray(streamHeader) ? streamHeader[0] : streamHeader;
    if (call.type === 'SUBSCRIBE') {
      adoptPrincipal(master.log, call, authenticated);
      subscribe(master, call, streamId, req, res, respType);
      return;
    }
    const fw = frameworkForCall(master, call.framework_id?.value, streamId);
    const principal = fw.info.principal;
    const impostor = callPrincipalProblem(fw.info, authenticated);
    if (impostor) throw new CallError(400, impostor);
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
        answerCall(master, frameworkForCall(master, call.framework_id?.value, streamId), call, res);
      } catch (err) {
        answerError(master, res, err);
      }
      limits.processed(principal);
    };
    if (!limiter.submit(waited)) {
      const message = `Message ${call.type} dropped: capacity(${limiter.capacity}) exceeded`;
      master.log.warn(
        { principal },
        `Dropping call ${call.type} of framework ${call.framework_id?.value}${principal === undefined ? '' : ` (${principal})`}: capacity(${limiter.capacity}) exceeded`,
      );
      sendText(res, 429, message);
    }
  } catch (err) {
    answerError(master, res, err);
  }
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

/**
 * SUBSCRIBE: the stream starts (200) whatever happens next, as in Mesos; a subscription Mesos
 * refuses (invalid FrameworkInfo, removed framework, ...) gets one ERROR event with Mesos's
 * message and the stream ends, which is what schedulers written for Mesos handle.
 */
function subscribe(
  master: Master,
  call: SchedulerCall,
  streamId: string | undefined,
  req: BodyRequest,
  res: ServerResponse,
  mediaType: MediaType,
): void {
  if (streamId !== undefined) throw new CallError(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
  const sub = payload(call, 'subscribe');
  const suppressedRoles = sub.suppressed_roles ?? [];
  const newStreamId = newUuid();
  const remote = peerAddress(req.socket);
  let frameworkId: string | undefined;
  const overflow = (queued: number) =>
    master.log.warn(
      { framework: frameworkId },
      `Disconnecting framework ${frameworkId} (${logName(sub.framework_info.name)}) at ${remote}: ${queued} bytes of events wait for it, more than --max_event_stream_buffer_size=${master.config.maxEventStreamBufferBytes} bytes; it may subscribe again`,
    );
  const sink = makeEventSink(res, mediaType, newStreamId, master.config.maxEventStreamBufferBytes, overflow);
  const refusal =
    master.subscribeRefusal(sub.framework_info, suppressedRoles, sub.offer_constraints) ??
    registerFrameworkRefusal(master.config.authorizer, sub.framework_info);
  if (refusal) {
    master.log.info(`Refusing subscription of framework '${logName(sub.framework_info.name)}': ${refusal}`);
    sink.send({ type: 'ERROR', error: { message: refusal } });
    sink.close();
    return;
  }
  const existing = sub.framework_info.id?.value ? master.frameworks.get(sub.framework_info.id.value) : undefined;
  const info = existing ? preserveImmutableFields(existing.info, sub.framework_info) : sub.framework_info;
  const id = master.subscribe(info, suppressedRoles, sink, newStreamId).id;
  frameworkId = id;
  const onClose = () => master.frameworkDisconnected(id, newStreamId);
  res.on('close', onClose);
  req.socket.setKeepAlive(true, 10_000);
}
