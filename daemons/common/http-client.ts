// A small HTTP client for our daemons and CLI: keep-alive POSTs and long-lived RecordIO
// streams, on node:http, or node:https when this process's TLS is on (tls-process.ts) (no proxy;
// a redirect is followed by the caller, see redirectTarget).
import http from 'node:http';
import https from 'node:https';
import { RecordIODecoder, encodeRecord } from './recordio.ts';
import { processTls } from './tls-process.ts';
import { clientOptions, explainTlsError } from './tls-material.ts';
import { batchWritesPerTurn } from './turn-writes.ts';

export interface Endpoint {
  host: string;
  port: number;
}

export class MasterAddressError extends Error {}

/**
 * Parses a master's `host:port`, `http://host:port[/]` or IPv6 `[::1]:5050` (a `--master` value
 * that names no ZooKeeper group: see leading-master.ts for the whole flag).
 */
export function parseMasterAddress(value: string): Endpoint {
  const v = value.trim();
  if (v.startsWith('zk://')) {
    throw new MasterAddressError(`'${v}' is a ZooKeeper URL; give the master as host:port here`);
  }
  const withoutScheme = v.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (v.startsWith('https://') && processTls() === undefined) {
    throw new MasterAddressError(
      `'${v}': https needs TLS configured; set LIBPROCESS_SSL_ENABLED=true with LIBPROCESS_SSL_CERT_FILE and LIBPROCESS_SSL_KEY_FILE`,
    );
  }
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(withoutScheme);
  if (!m) throw new MasterAddressError(`'${v}' is not a master address; expected host:port (e.g. 127.0.0.1:5050)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new MasterAddressError(`'${v}': port ${port} is out of range 1-65535`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Where a 307's Location points: Mesos's masters send `//host:port/path` (protocol-relative),
 * the scheduler API's documentation shows a bare `host:port`, others an absolute `http://` URL;
 * a path alone stays on this master. Undefined for what this process cannot follow.
 */
export function redirectTarget(current: Endpoint, location: string): Endpoint | undefined {
  const text = location.trim();
  if (text === '') return undefined;
  if (text.startsWith('/') && !text.startsWith('//')) return current;
  // An https:// target is for a process that speaks TLS itself (all of it does, or none).
  if (/^https:/i.test(text) && processTls() === undefined) return undefined;
  const authority =
    /^(?:https?:)?\/\/([^/?#]*)/.exec(text)?.[1] ?? (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? undefined : text.split('/')[0]);
  if (authority === undefined) return undefined;
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return undefined;
  const port = m[2] === undefined ? (/^https:/i.test(text) ? 443 : 80) : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 256 });
let keepAliveTls: https.Agent | undefined;

/** node:http's or node:https's request, the latter with this process's certificate and CA. */
function transport(ep: Endpoint, pooled: boolean): { request: typeof http.request; options: http.RequestOptions } {
  const material = processTls();
  if (material === undefined) return { request: http.request, options: { agent: pooled ? keepAlive : false } };
  keepAliveTls ??= new https.Agent({ keepAlive: true, maxSockets: 256 });
  return { request: https.request, options: { ...clientOptions(material, ep.host), agent: pooled ? keepAliveTls : false } };
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function request(
  ep: Endpoint,
  method: string,
  path: string,
  body?: Uint8Array | string,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const t = transport(ep, true);
    const req = t.request(
      {
        ...t.options,
        host: ep.host,
        port: ep.port,
        method,
        path,
        headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${ep.host}:${ep.port}${path} timed out after ${timeoutMs} ms`)));
    req.on('error', (e) => reject(explainTlsError(e)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface RecordStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Ends the stream from our side. */
  close(): void;
  /**
   * Duplex streams only: writes one more record of the request body; false once the request
   * is gone. Records sent in one turn of the event loop go out in one write (turn-writes.ts).
   */
  send(payload: Uint8Array | string): boolean;
}

/**
 * POSTs a body and reads the response as a RecordIO stream. `onRecord` gets each record;
 * `onEnd` is called once when the stream ends for any reason (error included).
 * Resolves when the response headers arrive; non-200 responses resolve with their status and
 * the body is delivered as a single record.
 * With `duplex`, the body is itself a RecordIO stream that stays open: `body` is its first
 * record and `send` writes the next ones while the response streams back.
 */
export function openRecordStream(
  ep: Endpoint,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
  onRecord: (record: Buffer, status: number) => void,
  onEnd: (err?: Error) => void,
  /** Called with the response head before any record is delivered. */
  onHeaders?: (status: number, headers: http.IncomingHttpHeaders) => void,
  duplex = false,
): Promise<RecordStream> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let ended = false;
    const finish = (err?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    // A stream holds its socket for its lifetime; it must not take one from the pool.
    const t = transport(ep, false);
    const req = t.request(
      {
        ...t.options,
        host: ep.host,
        port: ep.port,
        method: 'POST',
        path,
        headers: duplex ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        settled = true;
        onHeaders?.(res.statusCode ?? 0, res.headers);
        const stream: RecordStream = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          close: () => req.destroy(),
          send: (payload) => {
            if (!duplex || req.destroyed || req.writableEnded) return false;
            req.write(encodeRecord(payload));
            return true;
          },
        };
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            onRecord(Buffer.concat(chunks), res.statusCode ?? 0);
            finish();
          });
          res.on('error', (e) => finish(e));
          resolve(stream);
          return;
        }
        req.socket?.setNoDelay(true);
        const decoder = new RecordIODecoder();
        res.on('data', (chunk: Buffer) => {
          let records: Buffer[];
          try {
            records = decoder.decode(chunk);
          } catch (e) {
            req.destroy(e as Error);
            return;
          }
          for (const r of records) onRecord(r, 200);
        });
        res.on('end', () => finish());
        res.on('error', (e) => finish(e));
        res.on('close', () => finish());
        resolve(stream);
      },
    );
    req.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(explainTlsError(e));
        return;
      }
      finish(e);
    });
    if (duplex) {
      // The agent's messages of one turn leave in one write.
      req.on('socket', batchWritesPerTurn);
      req.setNoDelay(true);
      req.write(encodeRecord(body));
      return;
    }
    req.write(body);
    req.end();
  });
}
