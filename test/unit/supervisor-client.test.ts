// The agent's connection to its task supervisor once the agent stops: no request may open a new
// connection (it kept a stopping agent alive until SIGKILL, 10 s in the tests), and a connection
// that completes after close() is dropped.
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { SupervisorClient, SupervisorError } from '../../daemons/agent/supervisor/client.ts';
import { SOCKET_NAME } from '../../daemons/agent/supervisor/protocol.ts';
import { tempDir } from '../helpers/cluster.ts';

/** A stand-in supervisor: answers every request with ok and counts connections. */
class FakeSupervisor {
  readonly sockets = new Set<net.Socket>();
  connections = 0;
  private readonly server = net.createServer((s) => {
    this.connections++;
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.setEncoding('utf8');
    let buffered = '';
    s.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const req = JSON.parse(buffered.slice(0, nl)) as { id: number };
        buffered = buffered.slice(nl + 1);
        s.write(`${JSON.stringify({ id: req.id, ok: true, containers: [] })}\n`);
      }
    });
  });

  constructor(readonly runtimeDir: string) {}

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(path.join(this.runtimeDir, SOCKET_NAME), resolve));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const log = pino({ level: 'silent' });

describe('SupervisorClient after close()', () => {
  let supervisor: FakeSupervisor;
  before(async () => {
    supervisor = new FakeSupervisor(tempDir('supervisor-client'));
    await supervisor.listen();
  });
  after(() => supervisor.close());

  test('requests are refused without reconnecting, and the connection ends', async () => {
    const client = new SupervisorClient(supervisor.runtimeDir, 60, log);
    assert.deepEqual(await client.list(), []);
    const before = supervisor.connections;
    client.close();
    await assert.rejects(client.forget('c1'), (err: unknown) => err instanceof SupervisorError && /stopping/.test(err.message));
    await assert.rejects(client.list(), SupervisorError);
    await until('the supervisor side to close', () => supervisor.sockets.size === 0);
    assert.equal(supervisor.connections, before, 'no new connection after close()');
  });

  test('a connection that completes after close() is dropped', async () => {
    const client = new SupervisorClient(supervisor.runtimeDir, 60, log);
    const before = supervisor.connections;
    const connecting = client.connect();
    client.close();
    await assert.rejects(connecting, SupervisorError);
    await until('the dropped connection to close', () => supervisor.sockets.size === 0);
    assert.ok(supervisor.connections - before <= 1);
  });
});
