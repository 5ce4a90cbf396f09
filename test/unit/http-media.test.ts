import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { batchWritesPerTurn } from '../../daemons/common/turn-writes.ts';
import { APPLICATION_JSON, APPLICATION_PROTOBUF, requestMediaType, responseMediaType, sendJson } from '../../daemons/common/http.ts';

function fakeRequest(headers: Record<string, string> = {}, query: Record<string, unknown> = {}): Request {
  return { headers, query } as unknown as Request;
}

interface Captured {
  status?: number;
  type?: string;
  body?: string;
}

function fakeResponse(): { res: Response; out: Captured } {
  const out: Captured = {};
  const res = {
    status(code: number) {
      out.status = code;
      return res;
    },
    type(t: string) {
      out.type = t;
      return res;
    },
    send(body: string | Buffer) {
      out.body = body.toString();
      return res;
    },
    vary() {
      return res;
    },
  };
  return { res: res as unknown as Response, out };
}

describe('requestMediaType', () => {
  test('missing Content-Type is a 400', () => {
    const r = requestMediaType(fakeRequest());
    assert.deepEqual(r, { status: 400, message: "Expecting 'Content-Type' to be present" });
  });

  test('empty Content-Type is a 400', () => {
    const r = requestMediaType(fakeRequest({ 'content-type': '' }));
    assert.equal(typeof r === 'object' && r.status, 400);
  });

  test('JSON and protobuf are accepted, case and parameters ignored', () => {
    assert.equal(requestMediaType(fakeRequest({ 'content-type': 'application/json' })), APPLICATION_JSON);
    assert.equal(requestMediaType(fakeRequest({ 'content-type': 'Application/JSON; charset=utf-8' })), APPLICATION_JSON);
    assert.equal(requestMediaType(fakeRequest({ 'content-type': 'application/x-protobuf' })), APPLICATION_PROTOBUF);
    assert.equal(requestMediaType(fakeRequest({ 'content-type': ' application/x-protobuf ;foo=bar' })), APPLICATION_PROTOBUF);
  });

  for (const type of ['text/plain', 'application/xml', 'application/*', '*/*', 'application/jsonx']) {
    test(`Content-Type ${type} is a 415`, () => {
      const r = requestMediaType(fakeRequest({ 'content-type': type }));
      assert.equal(typeof r === 'object' && r.status, 415);
      assert.match((r as { message: string }).message, /application\/json or application\/x-protobuf/);
    });
  }
});

describe('responseMediaType', () => {
  const accept = (value: string | undefined) => responseMediaType(fakeRequest(value === undefined ? {} : { accept: value }));
  const is406 = (r: ReturnType<typeof responseMediaType>) => typeof r === 'object' && r.status === 406;

  test('no Accept header answers JSON', () => {
    assert.equal(accept(undefined), APPLICATION_JSON);
  });

  test('*/* and application/* answer JSON', () => {
    assert.equal(accept('*/*'), APPLICATION_JSON);
    assert.equal(accept('application/*'), APPLICATION_JSON);
    assert.equal(accept('text/html, */*;q=0.1'), APPLICATION_JSON);
  });

  test('explicit JSON answers JSON', () => {
    assert.equal(accept('application/json'), APPLICATION_JSON);
    assert.equal(accept('APPLICATION/JSON'), APPLICATION_JSON);
  });

  test('protobuf only answers protobuf', () => {
    assert.equal(accept('application/x-protobuf'), APPLICATION_PROTOBUF);
    assert.equal(accept('application/x-protobuf;q=0.3'), APPLICATION_PROTOBUF);
  });

  test('protobuf next to a wildcard answers protobuf (the client named it)', () => {
    assert.equal(accept('application/x-protobuf, */*'), APPLICATION_PROTOBUF);
    assert.equal(accept('application/x-protobuf, application/*;q=0.5'), APPLICATION_PROTOBUF);
  });

  test('JSON and protobuf both named: equal quality answers JSON', () => {
    assert.equal(accept('application/json, application/x-protobuf'), APPLICATION_JSON);
    assert.equal(accept('application/x-protobuf, application/json'), APPLICATION_JSON);
  });

  test('JSON and protobuf both named: the higher q-value wins', () => {
    assert.equal(accept('application/json;q=0.5, application/x-protobuf'), APPLICATION_PROTOBUF);
    assert.equal(accept('application/json;q=0.9, application/x-protobuf;q=0.8'), APPLICATION_JSON);
    assert.equal(accept('application/x-protobuf;q=0.1, application/json'), APPLICATION_JSON);
  });

  test('q=0 refuses a type', () => {
    assert.equal(accept('application/json;q=0, application/x-protobuf'), APPLICATION_PROTOBUF);
    assert.equal(accept('application/x-protobuf;q=0, application/json'), APPLICATION_JSON);
    assert.ok(is406(accept('application/json;q=0')));
    assert.ok(is406(accept('*/*;q=0')));
  });

  test('a specific q=0 is not overridden by a wildcard (most specific range wins)', () => {
    assert.equal(accept('application/json;q=0, */*'), APPLICATION_PROTOBUF);
    assert.equal(accept('application/json;q=0, application/*'), APPLICATION_PROTOBUF);
    assert.ok(is406(accept('application/json;q=0, application/x-protobuf;q=0, */*')));
    assert.ok(is406(accept('application/*;q=0, */*')));
  });

  test('a malformed q-value does not make a type acceptable', () => {
    assert.ok(is406(accept('application/json;q=abc')));
  });

  test('text/html alone is a 406', () => {
    const r = accept('text/html');
    assert.ok(is406(r));
    assert.match((r as { message: string }).message, /Accept/);
    assert.ok(is406(accept('text/html, image/*')));
  });
});

describe('sendJson', () => {
  test('sends JSON with the given status', () => {
    const { res, out } = fakeResponse();
    sendJson(fakeRequest(), res, { a: 1 }, 201);
    assert.deepEqual(out, { status: 201, type: APPLICATION_JSON, body: '{"a":1}' });
  });

  test('sends a string body as is', () => {
    const { res, out } = fakeResponse();
    sendJson(fakeRequest(), res, '{"raw":true}');
    assert.deepEqual(out, { status: 200, type: APPLICATION_JSON, body: '{"raw":true}' });
  });

  for (const name of ['cb', 'angular.callbacks._0', '$jsonp_1', '_x.y.$z']) {
    test(`wraps the body in the jsonp callback ${name}`, () => {
      const { res, out } = fakeResponse();
      sendJson(fakeRequest({}, { jsonp: name }), res, { a: 1 });
      assert.deepEqual(out, { status: 200, type: 'text/javascript', body: `${name}({"a":1})` });
    });
  }

  for (const name of ['', 'alert(1)', '1abc', 'a..b', 'a.', '.a', 'a b', 'a;b', 'a-b', '<script>']) {
    test(`rejects the jsonp callback name ${JSON.stringify(name)}`, () => {
      const { res, out } = fakeResponse();
      sendJson(fakeRequest({}, { jsonp: name }), res, { a: 1 });
      assert.equal(out.status, 400);
      assert.equal(out.type, 'text/plain');
      assert.match(out.body ?? '', /Invalid 'jsonp' callback name/);
      assert.ok(!(out.body ?? '').includes('{"a":1}'));
    });
  }

  test('a repeated jsonp parameter (array) is ignored', () => {
    const { res, out } = fakeResponse();
    sendJson(fakeRequest({}, { jsonp: ['a', 'b'] }), res, { a: 1 });
    assert.deepEqual(out, { status: 200, type: APPLICATION_JSON, body: '{"a":1}' });
  });
});

describe('sendJson over HTTP: gzip for large bodies', () => {
  test('gzipped (and still the same JSON) only when large and accepted', async () => {
    const express = (await import('express')).default;
    const http = await import('node:http');
    const { gunzipSync } = await import('node:zlib');
    const big = { tasks: Array.from({ length: 5000 }, (_, i) => ({ id: `task-${i}`, state: 'TASK_RUNNING' })) };
    const app = express();
    app.get('/big', (req, res) => sendJson(req, res, big));
    app.get('/small', (req, res) => sendJson(req, res, { ok: true }));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, headers }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
    try {
      const zipped = await get('/big', { 'Accept-Encoding': 'gzip, deflate, br' });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.match(String(zipped.headers['content-type']), /^application\/json/);
      assert.match(String(zipped.headers.vary), /Accept-Encoding/);
      assert.deepEqual(JSON.parse(gunzipSync(zipped.body).toString('utf8')), big);
      assert.ok(zipped.body.length < JSON.stringify(big).length / 5);

      const plain = await get('/big', {});
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.deepEqual(JSON.parse(plain.body.toString('utf8')), big);

      const small = await get('/small', { 'Accept-Encoding': 'gzip' });
      assert.equal(small.headers['content-encoding'], undefined, 'small bodies are not worth it');
      assert.deepEqual(JSON.parse(small.body.toString('utf8')), { ok: true });
    } finally {
      server.close();
    }
  });
});

describe('sendJson over HTTP: large bodies sent in chunks', () => {
  for (const batched of [false, true])
    test(`a large response still being read is not mixed with the next ones${batched ? ', writes batched per turn as in the daemons' : ''}`, async () => {
      const express = (await import('express')).default;
      const http = await import('node:http');
      // Bodies well over the kernel's socket buffers, so the first stays unsent while we wait.
      const doc = (tag: string) => ({ tag, items: Array.from({ length: 120_000 }, (_, i) => `${tag}-${i}-padding-padding-padding`) });
      const app = express();
      app.get('/:tag', (req, res) => sendJson(req, res, doc(req.params.tag)));
      const server = http.createServer(app);
      if (batched) server.on('connection', batchWritesPerTurn);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      const open = (tag: string) =>
        new Promise<IncomingMessage>((resolve, reject) =>
          http.get({ host: '127.0.0.1', port, path: `/${tag}` }, resolve).on('error', reject),
        );
      const read = (res: IncomingMessage) =>
        new Promise<string>((resolve) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.resume();
        });
      try {
        for (let round = 0; round < 3; round++) {
          const first = await open(`a${round}`);
          first.pause();
          const second = await open(`b${round}`);
          const secondText = await read(second);
          const third = await read(await open(`c${round}`));
          assert.deepEqual(JSON.parse(await read(first)), doc(`a${round}`));
          assert.deepEqual(JSON.parse(secondText), doc(`b${round}`));
          assert.deepEqual(JSON.parse(third), doc(`c${round}`));
        }
      } finally {
        server.close();
      }
    });
});

describe('sendJson over HTTP: a client leaving mid-body', () => {
  for (const batched of [false, true])
    test(`leaves the server serving, with and without gzip${batched ? ', writes batched per turn' : ''}`, async () => {
      const express = (await import('express')).default;
      const http = await import('node:http');
      const { gunzipSync } = await import('node:zlib');
      // ~6 MB: several chunks, well past the socket buffers, and not very compressible.
      const doc = { items: Array.from({ length: 100_000 }, (_, i) => `${i}-${(i * 2654435761) % 4294967296}-${(i * 40503) % 65536}-x`) };
      const app = express();
      app.get('/doc', (req, res) => sendJson(req, res, doc));
      const server = http.createServer(app);
      if (batched) server.on('connection', batchWritesPerTurn);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      const leaveAfterFirstData = (headers: Record<string, string>) =>
        new Promise<void>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port, path: '/doc', headers }, (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          });
          req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
        });
      const whole = (headers: Record<string, string>) =>
        new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: '/doc', headers }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
            })
            .on('error', reject);
        });
      try {
        for (const headers of [{}, { 'Accept-Encoding': 'gzip' }] as Record<string, string>[]) {
          for (let i = 0; i < 3; i++) await leaveAfterFirstData(headers);
          const full = await whole(headers);
          const text = (full.encoding === 'gzip' ? gunzipSync(full.body) : full.body).toString('utf8');
          assert.deepEqual(JSON.parse(text), doc);
        }
      } finally {
        server.close();
      }
    });
});

describe('sendJson over HTTP: a gzipped body on a busy event loop', () => {
  test('takes a few turns of the loop, not one per 256 KB of input or 64 KB of output', async () => {
    const express = (await import('express')).default;
    const http = await import('node:http');
    const { gunzipSync } = await import('node:zlib');
    // ~24 MB of JSON, ~2.5 MB gzipped.
    const doc = { items: Array.from({ length: 400_000 }, (_, i) => ({ id: `task-${i}`, state: 'TASK_RUNNING', n: i })) };
    const app = express();
    app.get('/doc', (req, res) => sendJson(req, res, doc));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    // A busy master: each turn of the loop holds 20 ms of other work, so work that needs many
    // turns shows as many turns (an idle loop would spin through thousands while zlib works).
    let turns = 0;
    let counting = true;
    const count = () => {
      turns++;
      const until = performance.now() + 20;
      while (performance.now() < until);
      if (counting) setImmediate(count);
    };
    try {
      const body = await new Promise<Buffer>((resolve, reject) => {
        setImmediate(count);
        http
          .get({ host: '127.0.0.1', port, path: '/doc', headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks)));
          })
          .on('error', reject);
      });
      counting = false;
      assert.equal(JSON.parse(gunzipSync(body).toString('utf8')).items.length, 400_000);
      // Here: 119 turns in 256 KB chunks, 40 in 4 MB chunks with 64 KB pieces of output, 17 now
      // on an idle machine. zlib works on libuv's threads, so on a machine whose cores are busy
      // with other work it gets less done per turn (45 seen with two cores shared by several
      // test runs): the bound catches a body cut into 256 KB turns, not a loaded machine.
      assert.ok(turns < 70, `the body took ${turns} turns of the event loop`);
    } finally {
      counting = false;
      server.close();
    }
  });
});
