// The transport of the v1 operator API (`POST /api/v1` of master and agent), in the order of
// Mesos's Master::Http::api and the agent's Http::api: method, Content-Type, body, call
// validation, Accept, then the call. What each call does is the daemon's; this module only
// decodes the Call and writes the Response (or the error) in the media type the client accepts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import {
  APPLICATION_PROTOBUF,
  GZIP_MIN_BYTES,
  acceptsGzip,
  type MediaType,
  methodNotAllowed,
  operatorResponseMediaType,
  requestMediaType,
  sendText,
} from './http.ts';
import { decode, encode, fromJson } from './proto/codec.ts';
import type { MessageName, Messages } from './proto/mesos-v1.ts';

/** A request whose body was read (by the fast path or express.raw), with its authenticated principal. */
export type OperatorRequest = IncomingMessage & { body?: unknown; principal?: string };

/**
 * What a call comes to: a Response (200 with it as the body), a bare status (200 OK of a call
 * without a Response, 403, 501, ...) with an optional plain-text body, or a stream that the
 * call writes itself (SUBSCRIBE).
 */
export type OperatorAnswer<R> =
  | { kind: 'response'; response: R }
  | { kind: 'status'; status: number; text?: string }
  | { kind: 'stream'; start(res: ServerResponse, mediaType: MediaType): void };

export function respond<R>(response: R): OperatorAnswer<R> {
  return { kind: 'response', response };
}

export function status<R>(code: number, text?: string): OperatorAnswer<R> {
  return text === undefined ? { kind: 'status', status: code } : { kind: 'status', status: code, text };
}

/** What a daemon's operator API is: its message types, its validation and its calls. */
export interface OperatorApi<C extends MessageName, R extends MessageName> {
  callType: C;
  responseType: R;
  /** Mesos's validation::...::call::validate: the problem in words, or undefined. */
  validate(call: Messages[C]): string | undefined;
  /** The text Mesos puts before a validation problem ("Failed to validate master::Call: "). */
  validationPrefix: string;
  /** Answers a valid call; a rejected promise is a bug (answered 500 and logged). */
  dispatch(
    call: Messages[C],
    req: OperatorRequest,
    mediaType: MediaType,
  ): OperatorAnswer<Messages[R]> | Promise<OperatorAnswer<Messages[R]>>;
  log: Logger;
}

/**
 * The first check of Mesos's call validation, the same for master::Call and agent::Call: the
 * type, then the payload the type needs (`required` names it), or undefined when both are there.
 */
export function missingTypeOrPayload<C extends { type?: string | undefined }>(
  call: C,
  required: Partial<Record<NonNullable<C['type']>, keyof C>>,
): string | undefined {
  if (!call.type) return "Expecting 'type' to be present";
  const payload = required[call.type as NonNullable<C['type']>];
  if (payload !== undefined && (call[payload] === undefined || call[payload] === null))
    return `Expecting '${String(payload)}' to be present`;
  return undefined;
}

/** The call in a body of the given media type, or Mesos's 400 text. */
export function parseOperatorCall<C extends MessageName>(
  callType: C,
  body: Buffer,
  mediaType: MediaType,
): { ok: true; call: Messages[C] } | { ok: false; error: string } {
  if (mediaType === APPLICATION_PROTOBUF) {
    try {
      return { ok: true, call: decode(callType, body) };
    } catch {
      return { ok: false, error: 'Failed to parse body into Call protobuf' };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `Failed to parse body into JSON: ${(err as Error).message}` };
  }
  const parsed = fromJson(callType, json);
  return parsed.ok ? { ok: true, call: parsed.value } : { ok: false, error: parsed.error };
}

/**
 * Writes a Response with its Content-Type, gzipped (fast level, on libuv's thread pool) from
 * GZIP_MIN_BYTES on when the client accepts it, as the read endpoints do: GET_STATE of a large
 * cluster is megabytes of JSON that compresses many times over.
 */
export function sendOperatorResponse<R extends MessageName>(
  res: ServerResponse,
  responseType: R,
  response: Messages[R],
  mediaType: MediaType,
  gzipAccepted = false,
): void {
  const body = mediaType === APPLICATION_PROTOBUF ? Buffer.from(encode(responseType, response)) : Buffer.from(JSON.stringify(response));
  const plain = (): void => {
    res.writeHead(200, { 'Content-Type': mediaType, 'Content-Length': body.length, Vary: 'Accept-Encoding' }).end(body);
  };
  if (!gzipAccepted || body.length < GZIP_MIN_BYTES) {
    plain();
    return;
  }
  gzip(body, { level: 1 }, (err, compressed) => {
    if (res.destroyed) return;
    if (err) {
      plain();
      return;
    }
    res
      .writeHead(200, {
        'Content-Type': mediaType,
        'Content-Encoding': 'gzip',
        'Content-Length': compressed.length,
        Vary: 'Accept-Encoding',
      })
      .end(compressed);
  });
}

function sendAnswer<R extends MessageName>(
  req: IncomingMessage,
  res: ServerResponse,
  responseType: R,
  answer: OperatorAnswer<Messages[R]>,
  mediaType: MediaType,
): void {
  if (res.headersSent || res.destroyed) return;
  switch (answer.kind) {
    case 'response':
      sendOperatorResponse(res, responseType, answer.response, mediaType, acceptsGzip(req));
      return;
    case 'status':
      if (answer.text === undefined) res.writeHead(answer.status, { 'Content-Length': 0 }).end();
      else sendText(res, answer.status, answer.text);
      return;
    case 'stream':
      answer.start(res, mediaType);
      return;
  }
}

/** The handler of `POST /api/v1` for one daemon's API; the body must have been read into req.body. */
export function operatorApiHandler<C extends MessageName, R extends MessageName>(
  api: OperatorApi<C, R>,
): (req: OperatorRequest, res: ServerResponse) => void {
  const failed = (res: ServerResponse, call: string, err: unknown) => {
    api.log.error({ err }, `Failed to handle operator call ${call}`);
    if (!res.headersSent) sendText(res, 500, `Internal error: ${(err as Error).message}`);
  };
  return (req, res) => {
    if (req.method !== 'POST') return methodNotAllowed(res, ['POST'], req.method);
    const reqType = requestMediaType(req);
    if (typeof reqType !== 'string') return sendText(res, reqType.status, reqType.message);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseOperatorCall(api.callType, body, reqType);
    if (!parsed.ok) return sendText(res, 400, parsed.error);
    const call = parsed.call;
    const invalid = api.validate(call);
    if (invalid !== undefined) return sendText(res, 400, `${api.validationPrefix}${invalid}`);
    const accepted = operatorResponseMediaType(req);
    if (typeof accepted !== 'string') return sendText(res, accepted.status, accepted.message);
    const type = String((call as { type?: string }).type);
    api.log.info(`Processing call ${type}`);
    let answer: ReturnType<typeof api.dispatch>;
    try {
      answer = api.dispatch(call, req, accepted);
    } catch (err) {
      return failed(res, type, err);
    }
    if (answer instanceof Promise) {
      answer.then(
        (a) => sendAnswer(req, res, api.responseType, a, accepted),
        (err: unknown) => failed(res, type, err),
      );
    } else {
      sendAnswer(req, res, api.responseType, answer, accepted);
    }
  };
}
