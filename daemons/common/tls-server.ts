// Serving an http.Server's requests over TLS on its own port, keeping the server object (its
// timeouts, limits and listeners stay as configured). With SUPPORT_DOWNGRADE the first byte
// of a connection tells a TLS handshake (a record of type 22) from plain HTTP, as libprocess's
// accepting socket does.
import type http from 'node:http';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { type TlsMaterial, serverOptions } from './tls-material.ts';
import { processTls } from './tls-process.ts';

const TLS_HANDSHAKE = 0x16;

/** A stream that gives back `first` and then whatever the socket reads. */
function replay(socket: net.Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read: () => {
      socket.resume();
    },
    write: (chunk, encoding, cb) => {
      socket.write(chunk, encoding, cb);
    },
    final: (cb) => {
      socket.end();
      cb();
    },
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  stream.push(first);
  socket.on('data', (c: Buffer) => {
    if (!stream.push(c)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('error', (e) => stream.destroy(e));
  socket.on('close', () => stream.destroy());
  return stream;
}

export function serveTls(server: http.Server, material: TlsMaterial): void {
  const httpListeners = server.listeners('connection') as ((socket: net.Socket) => void)[];
  server.removeAllListeners('connection');
  const toHttp = (socket: net.Socket) => {
    for (const l of httpListeners) l.call(server, socket);
  };
  const secure = tls.createServer(serverOptions(material));
  // The peer of a replayed connection is the raw socket's; tls sees only a stream, reachable
  // through its handle's JS stream wrapper (node internals: without them the address is unknown,
  // which only costs the per-address limits their key; tls-server.test.ts notices).
  const peers = new WeakMap<Duplex, net.Socket>();
  secure.on('secureConnection', (socket: tls.TLSSocket) => {
    const wrapped = (socket as unknown as { _handle?: { _parentWrap?: { stream?: Duplex } } })._handle?._parentWrap?.stream;
    const raw = wrapped === undefined ? undefined : peers.get(wrapped);
    if (raw !== undefined) Object.defineProperty(socket, 'remoteAddress', { value: raw.remoteAddress });
    toHttp(socket);
  });
  // A failed handshake (no client certificate, a plain client) only ends that connection.
  secure.on('tlsClientError', (_err, socket) => socket.destroy());
  server.on('connection', (socket: net.Socket) => {
    if (!material.config.supportDowngrade) {
      secure.emit('connection', socket);
      return;
    }
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first[0] === TLS_HANDSHAKE) {
        const stream = replay(socket, first);
        peers.set(stream, socket);
        secure.emit('connection', stream);
        return;
      }
      socket.unshift(first);
      toHttp(socket);
      socket.resume();
    });
  });
}

/** TLS for a daemon's server when this process's environment turns it on. */
export function serveProcessTls(server: http.Server): void {
  const material = processTls();
  if (material !== undefined) serveTls(server, material);
}
