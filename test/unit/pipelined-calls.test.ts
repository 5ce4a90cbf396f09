import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { PipelinedCaller } from '../bench/pipelined-calls.ts';

test("the bench's pipelined caller: one write per turn, answers matched in order, fixed and chunked bodies, split anywhere", async () => {
  const requests: string[] = [];
  const answers = [
    'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n',
    'HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nbad request',
    'HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfra\r\n5\r\nmed!!\r\n0\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}',
  ].join('');
  const server = net.createServer((s) => {
    s.on('data', (c: Buffer) => {
      requests.push(c.toString());
      // Answer byte by byte in a few pieces, cutting through heads and bodies.
      for (let i = 0; i < answers.length; i += 7) s.write(answers.slice(i, i + 7));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const caller = new PipelinedCaller('127.0.0.1', (server.address() as net.AddressInfo).port, 'fw-1', 'stream-1');
  try {
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => caller.call({ type: 'REVIVE', n: i })));
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : String((r.reason as Error).message))),
      ['ok', 'ok', 'HTTP 400: bad request', 'HTTP 409: framed!!', 'ok'],
    );
    assert.equal(requests.length, 1, 'the five requests left in one write');
    assert.equal(requests[0]!.match(/POST \/api\/v1\/scheduler HTTP\/1.1\r\n/g)?.length, 5);
    assert.match(requests[0]!, /Mesos-Stream-Id: stream-1\r\n/);
    assert.match(requests[0]!, /\{"framework_id":\{"value":"fw-1"\},"type":"REVIVE","n":0\}/);
  } finally {
    caller.close();
    server.close();
  }
});
