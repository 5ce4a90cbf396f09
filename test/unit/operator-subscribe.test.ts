// SUBSCRIBE's stream through the master's request listener on loopback (operator-subscribe.ts):
// the RecordIO framing, and the bound of --max_event_stream_buffer_size coming on top of the
// SUBSCRIBED record, which carries the whole state and may alone be larger than the bound.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import type { mesos } from '../../daemons/common/mesos.ts';
import { RecordIODecoder } from '../../daemons/common/recordio.ts';
import { masterRequestListener } from '../../daemons/master/http-app.ts';
import { MasterHarness } from '../helpers/master-harness.ts';

type Event = mesos.v1.master.Event;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serve(h: MasterHarness): Promise<number> {
  const server = http.createServer(masterRequestListener({ master: h.master, flags: {}, buildTime: 0 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    h.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

/** Subscribes and reads every event as it comes; `ended` once the master closes the stream. */
function subscribe(port: number): { events: Event[]; ended: Promise<void> } {
  const events: Event[] = [];
  const decoder = new RecordIODecoder();
  let done!: () => void;
  const ended = new Promise<void>((resolve) => (done = resolve));
  const body = '{"type":"SUBSCRIBE"}';
  const req = http.request(
    {
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1',
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
    },
    (res) => {
      res.on('data', (chunk: Buffer) => {
        for (const r of decoder.decode(chunk)) events.push(JSON.parse(r.toString('utf8')) as Event);
      });
      res.on('close', done);
    },
  );
  req.on('error', done);
  req.end(body);
  cleanups.push(async () => {
    req.destroy();
  });
  return { events, ended };
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a state larger than --max_event_stream_buffer_size does not get a subscriber that reads cut off', async () => {
  const h = new MasterHarness({ maxEventStreamBufferBytes: 64 * 1024 });
  // 80 labels of 128 KB: a SUBSCRIBED of about 10 MB, more than the kernel's socket buffers take at once.
  const labels = { labels: Array.from({ length: 80 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(128 * 1024) })) };
  const fw = h.subscribe({ name: 'big', labels });
  const port = await serve(h);
  const sub = subscribe(port);
  let closed = false;
  void sub.ended.then(() => {
    closed = true;
  });
  await until('SUBSCRIBED and HEARTBEAT', () => sub.events.length >= 2 || closed);
  assert.equal(closed, false, 'the stream was cut off after its SUBSCRIBED');
  assert.deepEqual(
    sub.events.map((e) => e.type),
    ['SUBSCRIBED', 'HEARTBEAT'],
  );
  h.master.updateFramework(fw.fw, { ...fw.fw.info, labels: { labels: [] } }, []);
  await until('FRAMEWORK_UPDATED', () => sub.events.length >= 3 || closed);
  assert.equal(sub.events[2]?.type, 'FRAMEWORK_UPDATED');
});

test('the stream is RecordIO of JSON events with the requested Content-Type', async () => {
  const h = new MasterHarness();
  const port = await serve(h);
  const res = await fetch(`http://127.0.0.1:${port}/api/v1`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: '{"type":"SUBSCRIBE"}',
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  const text = Buffer.from(value!).toString('utf8');
  const newline = text.indexOf('\n');
  const length = Number(text.slice(0, newline));
  assert.equal((JSON.parse(text.slice(newline + 1, newline + 1 + length)) as Event).type, 'SUBSCRIBED');
  await reader.cancel();
});
