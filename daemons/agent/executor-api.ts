// POST /api/v1/executor: the v1 executor HTTP API's transport on the agent — media types,
// decoding and Mesos's checks of a Call (validation.ts), the SUBSCRIBE event stream (RecordIO,
// JSON or protobuf) — in front of the custom executor runs (executor/custom-calls.ts).
// Status codes as Mesos's slave/http.cpp: 405, 400 (no Content-Type, unparsable, invalid, unknown
// framework or executor), 415, 406 (SUBSCRIBE only), 403 (not subscribed), 501 (UNKNOWN); 200
// with a stream for SUBSCRIBE, 202 for the other calls. Executor identity (executor-identity.ts):
// 401 for a bad token, for none with --authenticate_http_executors, and for none on a call that
// speaks for tasks; 403 for another executor's token — before anything of the call is done.
import type { ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import {
  APPLICATION_PROTOBUF,
  type MediaType,
  methodNotAllowed,
  requestMediaType,
  responseMediaType,
  sendText,
  startRecordIOStream,
} from '../common/http.ts';
import { peerAddress, recordStream } from '../common/stream-backlog.ts';
import { decode, encode, fromJson } from '../common/proto/codec.ts';
import type { Agent } from './agent.ts';
import { CALL_TYPE, EVENT_TYPE, type ExecutorCall, type ExecutorConnection, type ExecutorEvent } from './executor/calls.ts';
import { disconnected, foreignTask, messageToFramework, subscribe, update } from './executor/custom-calls.ts';
import { EXECUTOR_REALM, type Refusal } from './executor-identity.ts';
import { validateExecutorCall, validateSubscribed } from './validation.ts';
import { type Result, failed, ok } from '../common/result.ts';

export const EXECUTOR_API_PATH = '/api/v1/executor';

/** The body as an executor Call, or the 400 message Mesos gives. */
export function parseExecutorCall(body: Buffer, mediaType: MediaType): Result<ExecutorCall> {
  if (mediaType === APPLICATION_PROTOBUF) {
    try {
      return ok(decode(CALL_TYPE, body));
    } catch (err) {
      return failed(`Failed to parse body into Call protobuf: ${(err as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return failed(`Failed to parse body into JSON: ${(err as Error).message}`);
  }
  return fromJson(CALL_TYPE, json);
}

/**
 * The executor's end of a SUBSCRIBE response, in the media type it asked for. An executor that
 * stops reading is cut off once `maxBytes` wait for it (as the master does with schedulers), and
 * `onOverflow` says so; it subscribes again as Mesos's executor library does after a lost connection.
 */
export function streamTo(
  res: ServerResponse,
  mediaType: MediaType,
  maxBytes: number | undefined,
  onOverflow: (queuedBytes: number) => void,
): ExecutorConnection {
  startRecordIOStream(res, mediaType);
  const stream = recordStream(res, maxBytes, onOverflow);
  const encodeEvent =
    mediaType === APPLICATION_PROTOBUF ? (e: ExecutorEvent) => encode(EVENT_TYPE, e) : (e: ExecutorEvent) => JSON.stringify(e);
  return {
    send: (event) => {
      if (res.writableEnded || res.destroyed) return false;
      stream.send(encodeEvent(event));
      return !res.destroyed;
    },
    close: stream.end,
  };
}

function refuse(res: Response, refusal: Refusal): void {
  if (refusal.status === 401) res.setHeader('WWW-Authenticate', `Bearer realm="${EXECUTOR_REALM}"`);
  sendText(res, refusal.status, refusal.text);
}

export function executorApiHandler(agent: Agent) {
  const identity = agent.config.executorIdentity;
  return (req: Request, res: Response) => {
    // Authentication first, as Mesos authenticates a route before its handler runs.
    const presented = identity?.presented(req.headers.authorization);
    if (presented && 'refused' in presented) return refuse(res, presented.refused);
    const claims = presented?.claims;
    if (req.method !== 'POST') return methodNotAllowed(res, ['POST'], req.method);
    const reqType = requestMediaType(req);
    if (typeof reqType !== 'string') return sendText(res, reqType.status, reqType.message);
    const parsed = parseExecutorCall(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), reqType);
    if (!parsed.ok) return sendText(res, 400, parsed.error);
    const call = parsed.value;
    const invalid = validateExecutorCall(call);
    if (invalid) return sendText(res, 400, `Failed to validate Executor::Call: ${invalid}`);
    let respType: MediaType | undefined;
    if (call.type === 'SUBSCRIBE') {
      const accepted = responseMediaType(req);
      if (typeof accepted !== 'string') return sendText(res, accepted.status, accepted.message);
      respType = accepted;
    } else if (call.type === 'HEARTBEAT') {
      // Mesos answers before looking anything up (executors may send placeholder ids).
      return res.status(202).end();
    }
    const found = agent.customExecutors.lookup(call);
    if ('missing' in found) return sendText(res, 400, found.missing);
    const { fw, run } = found;
    const denied = identity?.admit(claims, fw.id, run.id, run.containerId);
    if (denied) {
      agent.log.warn({ framework: fw.id, executor: run.id }, `Refused an executor ${call.type ?? 'UNKNOWN'} call: ${denied.text}`);
      return refuse(res, denied);
    }
    const unsubscribed = validateSubscribed(run.state, call.type);
    if (unsubscribed) return sendText(res, 403, unsubscribed);
    switch (call.type) {
      case 'SUBSCRIBE': {
        const limit = agent.config.maxEventStreamBufferBytes;
        const remote = peerAddress(req.socket);
        const connection = streamTo(res, respType!, limit, (queued) =>
          agent.log.warn(
            { framework: fw.id, executor: run.id },
            `Disconnecting executor ${run.id} of framework ${fw.id} at ${remote}: ${queued} bytes of events wait for it, more than --max_event_stream_buffer_size=${limit} bytes; it may subscribe again`,
          ),
        );
        res.on('close', () => disconnected(run, connection));
        req.socket.setKeepAlive(true, 10_000);
        subscribe(run, call.subscribe!, connection);
        return;
      }
      case 'UPDATE': {
        const foreign = foreignTask(run, call.update!.status.task_id.value);
        if (foreign) {
          agent.log.warn({ framework: fw.id, executor: run.id }, `Refused an executor UPDATE: ${foreign}`);
          return sendText(res, 403, foreign);
        }
        update(run, call.update!.status);
        return res.status(202).end();
      }
      case 'MESSAGE':
        messageToFramework(run, call.message!.data);
        return res.status(202).end();
      default:
        agent.log.warn({ framework: fw.id, executor: run.id }, "Received 'UNKNOWN' call");
        return sendText(res, 501, `Call type ${call.type ?? 'UNKNOWN'} is not implemented`);
    }
  };
}
