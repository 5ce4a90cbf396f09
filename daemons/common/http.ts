// HTTP helpers shared by master and agent: JSON(P) responses, RecordIO streaming responses and
// media-type negotiation for the v1 APIs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { encodeRecord } from './recordio.ts';
import { jsonPieces, piecesByteLength, writePieces } from './raw-json.ts';

export const APPLICATION_JSON = 'application/json';
export const APPLICATION_PROTOBUF = 'application/x-protobuf';
export type MediaType = typeof APPLICATION_JSON | typeof APPLICATION_PROTOBUF;

/** A jsonp callback must be a plain JavaScript name, so it cannot smuggle script into the page. */
const JSONP_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** Sends a JSON document, or `callback(json);` when the query has `jsonp=callback` (Mesos web UI). */
export function sendJson(req: Request, res: Response, body: unknown, status = 200): void {
  const jsonp = typeof req.query.jsonp === 'string' ? req.query.jsonp : undefined;
  const pieces = typeof body === 'string' ? [body] : jsonPieces(body);
  if (jsonp !== undefined) {
    if (!JSONP_NAME.test(jsonp)) {
      res.status(400).type('text/plain').send(`Invalid 'jsonp' callback name '${jsonp.slice(0, 64)}'`);
      return;
    }
    sendMaybeGzipped(req, res, status, 'text/javascript', [`${jsonp}(`, ...pieces, ');']);
    return;
  }
  sendMaybeGzipped(req, res, status, APPLICATION_JSON, pieces);
}

/** Bodies from this size on are gzipped for clients that accept it (as libprocess does). */
export const GZIP_MIN_BYTES = 64 * 1024;

/**
 * Sends a body given in pieces, gzipped when it is large and the client accepts gzip:
 * /master/state at 100,000 tasks is ~50 MB, which loopback alone needs a second or more to carry
 * here. The compression (fast level) runs on libuv's thread pool, beside the event loop.
 */
function sendMaybeGzipped(req: Request, res: Response, status: number, type: string, pieces: ReadonlyArray<string | Buffer>): void {
  res.vary('Accept-Encoding');
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const size = piecesByteLength(pieces);
  const body = bodyBuffers.take(size);
  writePieces(pieces, body);
  const sendPlain = () => {
    if (bodyBuffers.isLent(body)) res.once('close', () => bodyBuffers.give(body));
    res.status(status).type(type).send(body);
  };
  if (!accepts || size < GZIP_MIN_BYTES) {
    sendPlain();
    return;
  }
  gzip(body, { level: 1 }, (err, compressed) => {
    if (err) {
      sendPlain();
      return;
    }
    bodyBuffers.give(body);
    res.status(status).type(type).set('Content-Encoding', 'gzip').send(compressed);
  });
}

/**
 * One buffer kept for large response bodies. The first touch of fresh memory is slow (a 37 MB
 * buffer took 180-450 ms to fill the first time on the development VM, 2-10 ms after), and each
 * large allocation is fresh memory: a web UI polling /master/state at 100,000 tasks paid that on
 * every call. Small bodies, and a large one while the kept buffer is in use, get their own.
 */
class BodyBuffers {
  private kept: Buffer | undefined;
  private lent = false;

  constructor(
    private readonly minBytes: number,
    private readonly maxBytes: number,
  ) {}

  take(size: number): Buffer {
    if (size < this.minBytes || size > this.maxBytes || this.lent) return Buffer.allocUnsafe(size);
    if (this.kept === undefined || this.kept.length < size) this.kept = Buffer.allocUnsafeSlow(Math.min(this.maxBytes, Math.ceil(size * 1.25)));
    this.lent = true;
    return this.kept.subarray(0, size);
  }

  isLent(body: Buffer): boolean {
    return this.lent && body.buffer === this.kept?.buffer;
  }

  give(body: Buffer): void {
    if (this.isLent(body)) this.lent = false;
  }
}

const bodyBuffers = new BodyBuffers(1 << 20, 512 << 20);

/** A plain-text answer; works on a bare node:http response as on express's. */
export function sendText(res: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(message);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** Reads a request body (up to `limit` bytes; more is an error). */
export function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`request body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
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

/** The media type to answer with, from Accept (406 when neither JSON nor protobuf is acceptable). */
export function responseMediaType(req: IncomingMessage): MediaType | { status: number; message: string } {
  const accept = req.headers.accept;
  if (!accept) return APPLICATION_JSON;
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q ? Number(q.slice(2)) : 1 };
  });
  // The most specific matching range decides (type/subtype, then type/*, then */*), as in
  // Mesos and RFC 7231: `application/json;q=0, */*` refuses JSON.
  const quality = (media: string): number => {
    const [major] = media.split('/');
    for (const candidate of [media, `${major}/*`, '*/*']) {
      const matching = ranges.filter((r) => r.type === candidate);
      if (matching.length > 0) return Math.max(...matching.map((r) => (Number.isFinite(r.q) ? r.q : 0)));
    }
    return 0;
  };
  const json = quality(APPLICATION_JSON);
  const proto = quality(APPLICATION_PROTOBUF);
  if (json === 0 && proto === 0) {
    return { status: 406, message: `Expecting 'Accept' to allow ${APPLICATION_JSON} or ${APPLICATION_PROTOBUF}` };
  }
  const explicitProto = ranges.some((r) => r.type === APPLICATION_PROTOBUF && r.q > 0);
  const explicitJson = ranges.some((r) => r.type === APPLICATION_JSON && r.q > 0);
  if (explicitProto && (!explicitJson || proto > json)) return APPLICATION_PROTOBUF;
  return json >= proto ? APPLICATION_JSON : APPLICATION_PROTOBUF;
}

/** Starts a chunked RecordIO response; returns a writer of already-encoded records. */
export function startRecordIOStream(res: ServerResponse, mediaType: MediaType, headers: Record<string, string> = {}): (payload: Uint8Array | string) => boolean {
  res.statusCode = 200;
  res.setHeader('Content-Type', mediaType);
  res.setHeader('Cache-Control', 'no-cache');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  return (payload) => {
    if (res.writableEnded || res.destroyed) return false;
    return res.write(encodeRecord(payload));
  };
}
