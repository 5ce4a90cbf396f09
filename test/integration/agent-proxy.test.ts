// The master's /agent/<id>/<path>: a real agent's state and sandbox files read through the
// master equal the agent's own answers, a download of a few MB arrives intact, other paths and
// unknown agents are 404, a killed agent is 502; a fake agent (a test HTTP server registered
// with the master) shows the caller's Authorization reaching the agent and nothing else of its
// headers, the agent's 401 challenge coming back, and a caller that goes away closing the
// request to the agent. A master with --authenticate_http_readonly guards the route; a master
// with TLS reads a TLS-only agent over https and names the CA to set for one it cannot verify;
// an agent that accepts but never answers is 504, one that never accepts the connection 502;
// a pooled connection the agent dropped is replaced without the caller noticing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { fakeRegisterBody } from '../helpers/fake-agent.ts';
import { agentProxyHandler } from '../../daemons/master/agent-proxy.ts';
import { type Daemon, runMesos, spawnAgent, startAgent, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { makeCa, makeCert, tlsEnvironment } from '../helpers/tls-certs.ts';

const BIG_BYTES = 3 * 1024 * 1024 + 17;

let master: Daemon;
let agent: Daemon;
let agentId = '';
let sandbox = '';

before(async () => {
  master = await startMaster();
  agent = await startAgent(master);
  agentId = (await agent.json<{ id: string }>('/state')).id;
  const res = await runMesos([
    'execute',
    `--master=127.0.0.1:${master.port}`,
    '--name=proxy-files',
    `--command=head -c ${BIG_BYTES} /dev/urandom > big.bin && echo hello-through-the-master`,
  ]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const state = await agent.json<{ completed_frameworks: { completed_executors: { directory: string }[] }[] }>('/state');
  sandbox = state.completed_frameworks.flatMap((f) => f.completed_executors)[0]!.directory;
});
after(async () => {
  await agent?.stop();
  await master?.stop();
});

function viaMaster(p: string, init?: RequestInit): Promise<Response> {
  return fetch(`${master.url}/agent/${agentId}/${p}`, init);
}

/** A GET of the path exactly as written (fetch would resolve its dot segments). */
function rawGet(p: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: master.port, path: p }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}

async function bothJson(p: string): Promise<[unknown, unknown]> {
  const proxied = await viaMaster(p);
  assert.equal(proxied.status, 200, `${p}: ${await proxied.clone().text()}`);
  return [await proxied.json(), await agent.json(`/${p}`)];
}

test("the agent's state through the master equals its own", async () => {
  const [proxied, direct] = await bothJson('slave(1)/state');
  assert.equal((proxied as { id: string }).id, agentId);
  assert.deepEqual(proxied, direct);
  const [flags, directFlags] = await bothJson('flags');
  assert.deepEqual(flags, directFlags);
});

test('sandbox browse and read through the master equal the agent', async () => {
  const q = encodeURIComponent(sandbox);
  const [listing, directListing] = await bothJson(`files/browse?path=${q}`);
  assert.deepEqual(listing, directListing);
  assert.ok((listing as { path: string }[]).some((f) => f.path.endsWith('/big.bin')));
  const stdout = encodeURIComponent(path.join(sandbox, 'stdout'));
  const [chunk, directChunk] = await bothJson(`files/read?path=${stdout}&offset=0`);
  assert.deepEqual(chunk, directChunk);
  assert.match((chunk as { data: string }).data, /hello-through-the-master/);
});

test('a download of a few MB streams through intact, with its headers', async () => {
  const file = path.join(sandbox, 'big.bin');
  const res = await viaMaster(`files/download?path=${encodeURIComponent(file)}`);
  assert.equal(res.status, 200);
  const direct = await fetch(`${agent.url}/files/download?path=${encodeURIComponent(file)}`);
  for (const h of ['content-type', 'content-disposition', 'content-length']) assert.equal(res.headers.get(h), direct.headers.get(h), h);
  await direct.body?.cancel();
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, BIG_BYTES);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  assert.equal(sha(body), sha(readFileSync(file)));
  const head = await viaMaster(`files/download?path=${encodeURIComponent(file)}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(BIG_BYTES));
});

test('other agent paths, other methods and unknown agents are refused', async () => {
  for (const p of ['api/v1/executor', 'health', 'files/browse/../../../etc', 'files/%2e%2e/api/v1/executor', 'slave(1)/api/v1']) {
    const res = await rawGet(`/agent/${agentId}/${p}`);
    assert.equal(res.status, 404, p);
    assert.match(res.text, /is not an agent endpoint the master forwards/);
  }
  const post = await viaMaster('state', { method: 'POST', body: '' });
  assert.equal(post.status, 405);
  const unknown = await fetch(`${master.url}/agent/no-such-agent/state`);
  assert.equal(unknown.status, 404);
  assert.equal(await unknown.text(), 'No agent with id no-such-agent');
});

describe('a fake agent behind the master', () => {
  let server: http.Server;
  let fakeId = '';
  const seen: http.IncomingHttpHeaders[] = [];
  let downloadClosed: Promise<void>;
  let downloadClosedResolve: () => void;
  /** Bytes the fake agent's endless download has handed to its socket. */
  let downloadWritten = 0;
  const register = new AbortController();

  before(async () => {
    downloadClosed = new Promise((r) => {
      downloadClosedResolve = r;
    });
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url?.startsWith('/files/download')) {
        // Endless: only the caller going away ends it.
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          do downloadWritten += chunk.length;
          while (res.write(chunk));
        };
        res.on('drain', pump);
        res.on('close', () => downloadClosedResolve());
        pump();
        return;
      }
      if (req.headers.authorization !== basicAuthorization('ops', 'ops-secret')) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mesos-agent-readonly"', 'Content-Type': 'text/plain' });
        res.end('Unauthorized');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'x=y', 'X-Agent-Only': '1' });
      res.end(JSON.stringify({ id: 'fake', url: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const registration = fetch(`${master.url}/master/internal/agent`, {
      method: 'POST',
      signal: register.signal,
      headers: { 'Content-Type': 'application/json' },
      body: fakeRegisterBody(undefined, port),
    });
    registration.catch(() => undefined);
    fakeId = await waitFor('the fake agent registered', async () => {
      const s = await master.json<{ slaves: { id: string; hostname: string }[] }>('/master/slaves');
      return s.slaves.find((a) => a.hostname === 'fake')?.id;
    });
  });
  after(() => {
    register.abort();
    server.closeAllConnections();
    server.close();
  });

  test("the caller's Authorization reaches the agent unchanged, its other headers do not", async () => {
    const res = await fetch(`${master.url}/agent/${fakeId}/state?x=1`, {
      headers: { Authorization: basicAuthorization('ops', 'ops-secret'), Cookie: 'session=secret', 'X-Custom': 'c' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: 'fake', url: '/state?x=1' });
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal(res.headers.get('x-agent-only'), null);
    const h = seen.at(-1)!;
    assert.equal(h.authorization, basicAuthorization('ops', 'ops-secret'));
    assert.equal(h.cookie, undefined);
    assert.equal(h['x-custom'], undefined);
  });

  test("the agent's 401 and its challenge reach the caller", async () => {
    const res = await fetch(`${master.url}/agent/${fakeId}/slave(1)/state`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="mesos-agent-readonly"');
    assert.equal(seen.at(-1)!.authorization, undefined);
  });

  test('a caller that stops reading stops the agent, and one that goes away closes the request to it', async () => {
    const controller = new AbortController();
    const res = await fetch(`${master.url}/agent/${fakeId}/files/download?path=/x`, { signal: controller.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 1024 * 1024) got += (await reader.read()).value?.length ?? 0;
    // A caller that stops reading stops the agent too, once the buffers between them are full
    // (without backpressure the master would read on at memory speed: gigabytes in this time).
    await new Promise((r) => setTimeout(r, 1_000));
    const stalled = downloadWritten;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(downloadWritten, stalled, 'the agent kept writing while nobody read');
    assert.ok(stalled < 64 * 1024 * 1024, `${stalled} bytes in flight`);
    process.stderr.write(`a stalled download holds ${(stalled / 1048576).toFixed(1)} MB between agent and caller\n`);
    controller.abort();
    await Promise.race([
      downloadClosed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the agent side stayed open')), 5_000)),
    ]);
  });
});

test('a killed agent is 502, naming its address', async () => {
  await agent.stop('SIGKILL');
  const res = await viaMaster('slave(1)/state');
  assert.equal(res.status, 502);
  const text = await res.text();
  assert.match(text, new RegExp(`^Cannot reach agent ${agentId} at 127\\.0\\.0\\.1:${agent.port}: `));
  assert.ok(!text.includes('\n'));
});

describe('a master with --authenticate_http_readonly', () => {
  let guarded: Daemon;
  before(async () => {
    const dir = tempDir('agent-proxy-auth');
    const file = path.join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ credentials: [{ principal: 'ops', secret: 'ops-secret' }] }));
    chmodSync(file, 0o600);
    guarded = await startMaster([`--credentials=file://${file}`, '--authenticate_http_readonly']);
  });
  after(async () => {
    await guarded?.stop();
  });

  test('asks for its own login before reading any agent', async () => {
    const anonymous = await fetch(`${guarded.url}/agent/some-agent/slave(1)/state`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="mesos-master-readonly"');
    const wrong = await fetch(`${guarded.url}/agent/some-agent/slave(1)/state`, {
      headers: { Authorization: basicAuthorization('ops', 'wrong') },
    });
    assert.equal(wrong.status, 401);
    const ops = await fetch(`${guarded.url}/agent/some-agent/slave(1)/state`, {
      headers: { Authorization: basicAuthorization('ops', 'ops-secret') },
    });
    assert.equal(ops.status, 404);
    assert.equal(await ops.text(), 'No agent with id some-agent');
  });
});

describe('a master with TLS', () => {
  const dir = tempDir('agent-proxy-tls');
  const file = (name: string) => path.join(dir, name);
  let tlsMaster: Daemon;
  const agents: Daemon[] = [];
  let trustedId = '';
  let untrustedId = '';

  before(async () => {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    makeCert(dir, 'server', 'ca');
    makeCert(dir, 'stranger', 'other-ca');
    const env = tlsEnvironment(dir);
    // Downgrade on the master only, for the test's plain-HTTP calls; the agents speak TLS only.
    tlsMaster = await startMaster([], { ...env, LIBPROCESS_SSL_SUPPORT_DOWNGRADE: 'true' });
    const spec = `127.0.0.1:${tlsMaster.port}`;
    agents.push(await spawnAgent(spec, [], { env }));
    // Its certificate is signed by a CA the master does not trust; it still registers (the master asks agents for no certificate).
    agents.push(
      await spawnAgent(spec, [], {
        env: { ...env, LIBPROCESS_SSL_CERT_FILE: file('stranger.pem'), LIBPROCESS_SSL_KEY_FILE: file('stranger-key.pem') },
      }),
    );
    const slaves = await waitFor('both TLS agents registered', async () => {
      for (const a of agents) if (a.exited) throw new Error(`agent exited: ${a.output}`);
      const s = await tlsMaster.json<{ slaves: { id: string; pid: string }[] }>('/master/slaves');
      return s.slaves.length === 2 ? s.slaves : undefined;
    });
    const idOf = (a: Daemon) => slaves.find((s) => s.pid.endsWith(`:${a.port}`))!.id;
    trustedId = idOf(agents[0]!);
    untrustedId = idOf(agents[1]!);
  });
  after(async () => {
    for (const a of agents) await a.stop();
    await tlsMaster?.stop();
  });

  test('reads a TLS-only agent over https', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${agents[0]!.port}/state`), 'the agent speaks no plain HTTP');
    const res = await fetch(`${tlsMaster.url}/agent/${trustedId}/slave(1)/state`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { id: string }).id, trustedId);
  });

  test('an agent whose certificate it cannot verify is 502, naming the variable to set', async () => {
    const res = await fetch(`${tlsMaster.url}/agent/${untrustedId}/state`);
    assert.equal(res.status, 502);
    const text = await res.text();
    assert.match(text, new RegExp(`^Cannot reach agent ${untrustedId} at 127\\.0\\.0\\.1:${agents[1]!.port}: .*LIBPROCESS_SSL_CA_FILE`));
    assert.ok(!text.includes('\n'));
  });
});

test('an agent that accepts the connection but never answers is 504 after the answer timeout', async () => {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as AddressInfo).port;
  const proxy = await proxyAlone(port, { answerTimeoutMs: 300 });
  try {
    const started = Date.now();
    const res = await fetch(`${proxy.url}/agent/S1/state`);
    assert.equal(res.status, 504);
    assert.equal(await res.text(), `Agent S1 at 127.0.0.1:${port} did not answer within 0.3 s`);
    assert.ok(Date.now() - started < 5_000);
  } finally {
    silent.closeAllConnections();
    silent.close();
    proxy.close();
  }
});

/** An http server of the proxy handler alone, for agents the test makes up; its base URL. */
async function proxyAlone(agentPort: number, opts: Parameters<typeof agentProxyHandler>[1]): Promise<{ url: string; close(): void }> {
  const proxy = http.createServer(
    agentProxyHandler(() => new Map([['S1', { pid: `slave(1)@127.0.0.1:${agentPort}`, hostname: 'h' }]]), opts),
  );
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, close: () => proxy.close() };
}

test('an agent whose accept queue is full (no connection) is 502 after the connect timeout', async () => {
  // A socket that listens with the shortest queue and never accepts: once one connection waits
  // in it, Linux drops the next SYNs, so the next connect hangs as to a host behind a firewall.
  const holder = spawn('python3', [
    '-c',
    "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)",
  ]);
  const filler: net.Socket[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      holder.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      holder.once('error', reject);
    });
    // Fill the queue until a connection no longer completes.
    for (let i = 0; i < 8; i++) {
      const s = net.connect(port, '127.0.0.1');
      filler.push(s);
      s.on('error', () => undefined);
      const connected = await Promise.race([
        new Promise<boolean>((r) => s.once('connect', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
      ]);
      if (!connected) break;
    }
    const proxy = await proxyAlone(port, { connectTimeoutMs: 300 });
    try {
      const res = await fetch(`${proxy.url}/agent/S1/state`);
      assert.equal(res.status, 502);
      assert.equal(await res.text(), `Cannot reach agent S1 at 127.0.0.1:${port}: no connection within 0.3 s`);
    } finally {
      proxy.close();
    }
  } finally {
    for (const s of filler) s.destroy();
    holder.kill();
  }
});

test('a pooled connection the agent dropped is replaced by a new one, the caller seeing no error', async () => {
  // The agent answers once per connection, then drops it at the next request, as an agent
  // that restarted between two reads leaves the master's pooled connection.
  const served = new WeakSet<net.Socket>();
  let dropped = 0;
  const agentServer = http.createServer((req, res) => {
    if (served.has(req.socket)) {
      dropped++;
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"S1"}');
  });
  await new Promise<void>((r) => agentServer.listen(0, '127.0.0.1', r));
  const proxy = await proxyAlone((agentServer.address() as AddressInfo).port, {});
  try {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${proxy.url}/agent/S1/state`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { id: 'S1' });
    }
    assert.ok(dropped >= 1, 'the pooled connection was reused and dropped');
  } finally {
    agentServer.closeAllConnections();
    agentServer.close();
    proxy.close();
  }
});
