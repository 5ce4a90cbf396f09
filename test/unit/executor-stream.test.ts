// An executor's event stream on the agent is bounded: an executor that subscribes and stops
// reading is cut off once --max_event_stream_buffer_size bytes wait for it, and the agent says
// so, rather than holding every event for it in memory.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import net from 'node:net';
import { after, test } from 'node:test';
import { APPLICATION_JSON } from '../../daemons/common/http.ts';
import { streamTo } from '../../daemons/agent/executor-api.ts';

let server: Server | undefined;
after(() => server?.close());

test('an executor that never reads is disconnected past the bound; one that reads is not', async () => {
  const BOUND = 64 * 1024;
  const overflows: number[] = [];
  let sent = 0;
  let destroyed = false;
  const done = new Promise<void>((resolve) => {
    server = createServer((_req, res) => {
      const connection = streamTo(res, APPLICATION_JSON, BOUND, (queued) => overflows.push(queued));
      const event = { type: 'MESSAGE' as const, message: { data: Buffer.alloc(16 * 1024, 'x').toString('base64') } };
      const pump = () => {
        // Enough for any socket buffer to fill: the stream must be cut long before.
        while (sent < 4000 && !res.destroyed) {
          connection.send(event);
          sent++;
        }
        destroyed = res.destroyed;
        resolve();
      };
      pump();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server!.address() as net.AddressInfo).port;
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`POST /api/v1/executor HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
  socket.pause(); // never reads
  await done;
  socket.destroy();
  assert.equal(destroyed, true, 'the stream was cut');
  assert.equal(overflows.length, 1, 'the overflow was reported once');
  assert.ok(overflows[0]! > BOUND, `${overflows[0]} bytes waited`);
  assert.ok(sent < 4000, `cut after ${sent} events`);
});
