// HTTP helpers shared by master and agent: JSON(P) responses, RecordIO streaming responses and
// media-type negotiation for the v1 APIs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { createGzip, gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { encodeRecord, encodeTextRecord } from './recordio.ts';
import { DIRECT_BYTES } from './turn-writes.ts';
import { type JsonPiece, bodyChunks, jsonPieces, piecesBuffer, piecesByteLength } from './raw-json.ts';

export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';
export type MediaType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

/** A jsonp callback must be a plain JavaScript name, so it cannot smuggle script into the page. */
const JSONP_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/**
 * Sends a JSON document, or `callback(json)` when the query has `jsonp=callback` (Mesos web UI),
 * written as libprocess writes it: no semicolon after.
 */
export function sendJson(req: Request, res: Response, body: unknown, status = 200): void {
  const jsonp = typeof req.query.jsonp === 'string' ? req.query.jsonp : undefined;
  const pieces = typeof body === 'string' ? [body] : jsonPieces(body);
  if (jsonp !== undefined) {
    if (!JSONP_NAME.test(jsonp)) {
      res
        .status(400)
        .type('text/plain')
        .send(`Invalid 'jsonp' callback name '${jsonp.slice(0, 64)}'`);
      return;
    }
    sendMaybeGzipped(req, res, status, 'text/javascript', [`${jsonp}(`, ...pieces, ')']);
    return;
  }
  sendMaybeGzipped(req, res, status, APPLICATION_JSON, pieces);
}

/** Whether the request's Accept-Encoding lists gzip. */
export function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

/** Bodies from this size on are gzipped for clients that accept it (as libprocess does). */
export const GZIP_MIN_BYTES = 64 * 1024;

/** Bodies from this size on are sent in chunks as they are encoded (see bodyChunks). */
export const STREAM_MIN_BYTES = 1 << 20;

/**
 * Sends a body given in pieces, gzipped when it is large and the client accepts gzip:
 * /master/state of a large cluster is tens of megabytes, slow to carry even over loopback, and
 * its JSON compresses many times over (BENCHMARKS.md has the sizes). The compression (fast
 * level) runs on libuv's thread pool, beside the event loop. The pieces never change once made
 * (strings, and buffers nobody writes to again), so a large body is encoded and sent over
 * several turns and still shows one moment's state.
 */
function sendMaybeGzipped(req: Request, res: Response, status: number, type: string, pieces: readonly JsonPiece[]): void {
  res.vary('Accept-Encoding');
  const accepts = acceptsGzip(req);
  const size = piecesByteLength(pieces);
  res.status(status).type(type);
  if (size >= STREAM_MIN_BYTES) {
    if (accepts) {
      res.set('Content-Encoding', 'gzip');
      const zip = createGzip({ level: 1, chunkSize: GZIP_OUT_BYTES });
      zip.on('error', () => res.destroy());
      // A client that leaves mid-body unpipes the response; the compressor goes with it.
      res.once('close', () => zip.destroy());
      zip.pipe(res);
      writeChunks(pieces, zip, GZIP_CHUNK_BYTES);
    } else {
      res.set('Content-Length', String(size));
      writeChunks(pieces, res, CHUNK_BYTES);
    }
    return;
  }
  const body = piecesBuffer(pieces);
  if (!accepts || size < GZIP_MIN_BYTES) {
    res.send(body);
    return;
  }
  gzip(body, { level: 1 }, (err, compressed) => {
    if (err) res.send(body);
    else res.set('Content-Encoding', 'gzip').send(compressed);
  });
}

/** Chunks of a streamed body; larger than what turn-writes batches, so a write's callback means the socket is done with it. */
const CHUNK_BYTES = 4 * DIRECT_BYTES;

/**
 * Chunks of a body streamed through gzip, in and out. The compressor takes one chunk per turn of
 * the event loop (each is a job on libuv's thread pool whose end the loop must see before the
 * next starts), and each piece of its output is another turn. On a master busy with other work
 * every turn waits behind that work, so a large body must go through in few turns: large chunks
 * in, large pieces out. On an idle master the sizes make little difference. The measurements
 * behind these sizes are in docs/benchmarks-log.md.
 */
const GZIP_CHUNK_BYTES = 4 << 20;
const GZIP_OUT_BYTES = 256 << 10;

/**
 * Writes the pieces to `dest` in chunks as it drains, and ends it. Chunks come back for reuse
 * when their write completes: fresh memory is slow to touch (every new page faults in), and a
 * body in flight holds only two or three chunks.
 */
function writeChunks(pieces: readonly JsonPiece[], dest: Writable, chunkBytes: number): void {
  const spare: Buffer[] = [];
  const chunks = bodyChunks(pieces, chunkBytes, () => spare.pop() ?? Buffer.allocUnsafe(chunkBytes));
  const reuse = (chunk: Buffer) => (err?: Error | null) => {
    if (!err && chunk.length === chunkBytes) spare.push(chunk);
  };
  const more = () => {
    for (;;) {
      if (dest.destroyed) return;
      const next = chunks.next();
      if (next.done) {
        dest.end();
        return;
      }
      if (!dest.write(next.value, reuse(next.value))) {
        dest.once('drain', more);
        return;
      }
    }
  };
  more();
}

/** A plain-text answer; works on a bare node:http response as on express's. */
export function sendText(res: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(message);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** libprocess's 405, with the Allow header RFC 7231 asks for. */
export function methodNotAllowed(res: ServerResponse, allowed: readonly string[], method: string | undefined): void {
  res.setHeader('Allow', allowed.join(', '));
  const received = method === undefined ? '' : `, but received '${method}'`;
  sendText(res, 405, `405 Method Not Allowed. Expecting one of { '${allowed.join("', '")}' }${received}.`);
}

/** A body past the limit of readBody: answered 413 with this message. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body is larger than the limit of ${limit} bytes`);
  }
}

/**
 * Reads a request body of up to `limit` bytes. A larger one (by its Content-Length, before
 * anything is read, or as it arrives) is a BodyTooLargeError; the rest of it is read and dropped,
 * so that the client, still sending, gets the 413 rather than a reset connection. A client
 * that sends more than `limit` again after that is cut off.
 */
export function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      reject(new BodyTooLargeError(limit));
      let dropped = 0;
      req.removeAllListeners('data');
      req.on('data', (c: Buffer) => {
        dropped += c.length;
        if (dropped > limit) req.destroy();
      });
      req.resume();
    };
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size <= limit) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

/** The media type of a request body, or an HTTP error (400 missing, 415 unsupported). */
export function requestMediaType(req: IncomingMessage): MediaType | { status: number; message: string } {
  const raw = req.headers['content-type'];
  if (!raw) return { status: 400, message: "Expecting 'Content-Type' to be present" };
  const type = raw.split(';')[0]!.trim().toLowerCase();
  if (type === APPLICATION_JSON || type === APPLICATION_PROTOBUF) return type;
  return { status: 415, message: `Expecting 'Content-Type' of ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}` };
}

type Negotiated = MediaType | { readonly status: number; readonly message: string };

/** Answers by Accept header: a client sends the same one on every call. */
const negotiated = new Map<string, Negotiated>();
const NEGOTIATED_MAX = 256;

/** The media type to answer with, from Accept (406 when neither JSON nor protobuf is acceptable). */
export function responseMediaType(req: IncomingMessage): Negotiated {
  const accept = req.headers.accept;
  if (!accept) return APPLICATION_JSON;
  let answer = negotiated.get(accept);
  if (answer === undefined) {
    answer = negotiate(accept);
    if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
    negotiated.set(accept, answer);
  }
  return answer;
}

interface MediaRange {
  type: string;
  q: number;
}

function mediaRanges(accept: string): MediaRange[] {
  return accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q ? Number(q.slice(2)) : 1 };
  });
}

// The quality an Accept header's ranges give `media`: the most specific matching range decides
// (type/subtype, then type/*, then */*), as in Mesos and RFC 7231: `application/json;q=0, */*`
// refuses JSON.
function quality(ranges: readonly MediaRange[], media: string): number {
  const [major] = media.split('/');
  for (const candidate of [media, `${major}/*`, '*/*']) {
    const matching = ranges.filter((r) => r.type === candidate);
    if (matching.length > 0) return Math.max(...matching.map((r) => (Number.isFinite(r.q) ? r.q : 0)));
  }
  return 0;
}

const NOT_ACCEPTABLE = { status: 406, message: `Expecting 'Accept' to allow '${APPLICATION_PROTOBUF}' or '${APPLICATION_JSON}'` };

/**
 * The media type of the v1 operator API's answers (Master::Http::api, Http::api of the agent):
 * JSON whenever Accept allows it at all, else protobuf, else 406. No Accept allows both.
 */
export function operatorResponseMediaType(req: IncomingMessage): Negotiated {
  const accept = req.headers.accept;
  if (!accept) return APPLICATION_JSON;
  const ranges = mediaRanges(accept);
  if (quality(ranges, APPLICATION_JSON) > 0) return APPLICATION_JSON;
  if (quality(ranges, APPLICATION_PROTOBUF) > 0) return APPLICATION_PROTOBUF;
  return NOT_ACCEPTABLE;
}

function negotiate(accept: string): Negotiated {
  const ranges = mediaRanges(accept);
  const json = quality(ranges, APPLICATION_JSON);
  const proto = quality(ranges, APPLICATION_PROTOBUF);
  if (json === 0 && proto === 0) return NOT_ACCEPTABLE;
  const explicitProto = ranges.some((r) => r.type === APPLICATION_PROTOBUF && r.q > 0);
  const explicitJson = ranges.some((r) => r.type === APPLICATION_JSON && r.q > 0);
  if (explicitProto && (!explicitJson || proto > json)) return APPLICATION_PROTOBUF;
  return json >= proto ? APPLICATION_JSON : APPLICATION_PROTOBUF;
}

/** Starts a chunked RecordIO response; returns a writer of already-encoded records. */
export function startRecordIOStream(
  res: ServerResponse,
  mediaType: MediaType,
  headers: Record<string, string> = {},
): (payload: Uint8Array | string) => boolean {
  res.statusCode = 200;
  res.setHeader('Content-Type', mediaType);
  res.setHeader('Cache-Control', 'no-cache');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  return (payload) => {
    if (res.writableEnded || res.destroyed) return false;
    return res.write(typeof payload === 'string' ? encodeTextRecord(payload) : encodeRecord(payload));
  };
}
