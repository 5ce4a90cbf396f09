// The web UI in headless chromium on a master with --authenticate_http_readonly, whose agent
// asks for the same login: the operator logs in once (the browser's own prompt, answered by
// the test), and the agent page, a sandbox listing and a file tail work, read through the
// master, with the operator's Authorization reaching the agent on every read. The agent is a
// test HTTP server registered with the real master, so it can check the header itself.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { fakeRegisterBody } from '../helpers/fake-agent.ts';
import { type Daemon, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { chromiumMissing, launchChromium } from './chromium.ts';

const LOGIN = { username: 'ops', password: 'ops-secret' };
const SANDBOX = '/var/lib/mesos/slaves/S/frameworks/F/executors/ex-1/runs/latest';
const STDOUT = 'hello from behind two logins\n';

/** What the fake agent serves: its state with one finished executor, the sandbox, its stdout. */
function agentAnswer(url: URL): unknown {
  switch (url.pathname) {
    case '/slave(1)/state':
      return {
        frameworks: [],
        completed_frameworks: [
          {
            id: 'F',
            name: 'batch',
            executors: [],
            completed_executors: [{ id: 'ex-1', name: 'ex-1', framework_id: 'F', directory: SANDBOX, tasks: [], completed_tasks: [] }],
          },
        ],
      };
    case '/files/browse':
      return [{ path: `${SANDBOX}/stdout`, nlink: 1, size: STDOUT.length, mtime: 1_700_000_000, mode: '-rw-r--r--', uid: 'u', gid: 'g' }];
    case '/files/read':
      return url.searchParams.get('offset') === '-1'
        ? { offset: STDOUT.length, data: '' }
        : { offset: Number(url.searchParams.get('offset')), data: STDOUT.slice(Number(url.searchParams.get('offset'))) };
    default:
      return undefined;
  }
}

describe('the web UI on a master and agent that both ask for a login', { skip: chromiumMissing }, () => {
  let master: Daemon;
  let agentServer: http.Server;
  const agentSaw: { url: string; authorization: string | undefined }[] = [];
  const register = new AbortController();
  let agentId = '';
  let browser: Browser;
  let page: Page;

  before(async () => {
    const dir = tempDir('webui-agent-auth');
    const credentials = path.join(dir, 'credentials.json');
    writeFileSync(credentials, JSON.stringify({ credentials: [{ principal: LOGIN.username, secret: LOGIN.password }] }));
    chmodSync(credentials, 0o600);
    master = await startMaster([`--credentials=file://${credentials}`, '--authenticate_http_readonly']);

    agentServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://agent');
      agentSaw.push({ url: req.url ?? '', authorization: req.headers.authorization });
      if (req.headers.authorization !== basicAuthorization(LOGIN.username, LOGIN.password)) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mesos-agent-readonly"' }).end();
        return;
      }
      const body = agentAnswer(url);
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => agentServer.listen(0, '127.0.0.1', r));
    const registration = fetch(`${master.url}/master/internal/agent`, {
      method: 'POST',
      signal: register.signal,
      headers: { 'Content-Type': 'application/json' },
      body: fakeRegisterBody(undefined, (agentServer.address() as AddressInfo).port),
    });
    registration.catch(() => undefined);
    const ops = basicAuthorization(LOGIN.username, LOGIN.password);
    agentId = await waitFor('the fake agent registered', async () => {
      const res = await fetch(`${master.url}/master/slaves`, { headers: { Authorization: ops } });
      const s = (await res.json()) as { slaves: { id: string; hostname: string }[] };
      return s.slaves.find((a) => a.hostname === 'fake')?.id;
    });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, httpCredentials: LOGIN });
  });
  after(async () => {
    await browser?.close();
    register.abort();
    agentServer?.closeAllConnections();
    agentServer?.close();
    await master?.stop();
  });

  test("the agent page, a sandbox and a file tail work, the agent checking the operator's login", async () => {
    await page.goto(`${master.url}/#/agents/${agentId}`);
    await page.locator('[data-table="executors"] tbody tr', { hasText: 'ex-1' }).waitFor();
    await page.locator('[data-table="executors"] a', { hasText: 'Sandbox' }).click();
    await page.locator('[data-table="files"] a', { hasText: 'stdout' }).click();
    await page.locator('pre[data-file="stdout"]', { hasText: STDOUT.trim() }).waitFor();
    assert.match((await page.locator('a[data-download]').getAttribute('href')) ?? '', new RegExp(`^agent/${agentId}/files/download\\?`));

    const reads = agentSaw.filter((r) => r.authorization !== undefined);
    for (const p of ['/slave(1)/state', '/files/browse?', '/files/read?'])
      assert.ok(
        reads.some((r) => r.url.startsWith(p)),
        p,
      );
    assert.ok(
      reads.every((r) => r.authorization === basicAuthorization(LOGIN.username, LOGIN.password)),
      'every read carried the login',
    );
    assert.deepEqual(
      agentSaw.filter((r) => r.authorization === undefined),
      [],
      'no read reached the agent without it',
    );
  });
});
