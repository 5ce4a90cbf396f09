import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { configureMasterServer } from '../../daemons/master/http-app.ts';

/**
 * A request whose body keeps streaming (an agent's registration stream): how long does the
 * server keep it? Node checks open requests every connectionsCheckingInterval ms.
 */
async function streamedRequestLifetime(configure: (s: http.Server) => void, watchMs: number): Promise<'cut' | 'alive'> {
  const server = http.createServer({ connectionsCheckingInterval: 50 }, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/recordio' });
    res.flushHeaders();
    req.resume();
  });
  configure(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/master/internal/agent',
        agent: false,
        headers: { 'Content-Type': 'application/recordio' },
      });
      const beat = setInterval(() => req.write('2\n{}'), 100);
      const done = (how: 'cut' | 'alive') => {
        clearInterval(beat);
        clearTimeout(timer);
        req.destroy();
        resolve(how);
      };
      const timer = setTimeout(() => done('alive'), watchMs);
      req.on('response', (res) => {
        res.resume();
        res.on('close', () => done('cut'));
      });
      req.on('error', () => done('cut'));
      req.write('2\n{}');
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('an agent stream outlives requestTimeout on the master server (Node cuts it by default)', async () => {
  // The control: with a request timeout, Node cuts the streaming request once it expires.
  assert.equal(
    await streamedRequestLifetime((s) => {
      s.requestTimeout = 300;
      s.headersTimeout = 300;
    }, 1500),
    'cut',
  );
  // The master's settings, checked as often: it stays.
  assert.equal(
    await streamedRequestLifetime((s) => {
      configureMasterServer(s);
      s.headersTimeout = 300;
    }, 1500),
    'alive',
  );
});
