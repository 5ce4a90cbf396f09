// Health checks against real loopback servers and commands, with short intervals.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { HealthCheck } from '../../daemons/common/mesos.ts';
import { after, before, test } from 'node:test';
import { HealthChecker, runCheck } from '../../daemons/agent/health/health-checker.ts';

let server: http.Server;
let port = 0;
let status = 200;
const target = { host: '127.0.0.1', cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };

before(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(req.url === '/health' ? status : 404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.close();
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

test('HTTP checks: 2xx/3xx pass, others fail; statuses narrows what passes', async () => {
  status = 200;
  assert.equal(await runCheck({ type: 'HTTP', http: { port, path: '/health' } }, target, 1000), undefined);
  assert.match((await runCheck({ type: 'HTTP', http: { port, path: '/nope' } }, target, 1000)) ?? '', /returned 404/);
  assert.match((await runCheck({ type: 'HTTP', http: { port, path: '/health', statuses: [204] } }, target, 1000)) ?? '', /returned 200/);
  assert.match((await runCheck({ type: 'HTTP', http: { port: await closedPort() } }, target, 1000)) ?? '', /ECONNREFUSED/);
});

test('TCP and COMMAND checks', async () => {
  assert.equal(await runCheck({ type: 'TCP', tcp: { port } }, target, 1000), undefined);
  assert.match((await runCheck({ type: 'TCP', tcp: { port: await closedPort() } }, target, 1000)) ?? '', /TCP health check to .* failed/);
  assert.equal(await runCheck({ type: 'COMMAND', command: { value: 'test -d /' } }, target, 1000), undefined);
  assert.match((await runCheck({ type: 'COMMAND', command: { value: 'exit 4' } }, target, 1000)) ?? '', /exited with status 4/);
  assert.match((await runCheck({ type: 'COMMAND', command: { value: 'sleep 5' } }, target, 200)) ?? '', /timed out/);
});

test('a checker reports health changes and asks for a kill after consecutive failures', async () => {
  status = 200;
  const seen: string[] = [];
  let killed = '';
  const check: HealthCheck = {
    type: 'HTTP',
    http: { port, path: '/health' },
    delay_seconds: 0,
    interval_seconds: 0.05,
    timeout_seconds: 1,
    consecutive_failures: 3,
    grace_period_seconds: 0,
  };
  const checker = new HealthChecker(check, target, {
    healthChanged: (healthy, message) => seen.push(`${healthy}:${message}`),
    kill: (message) => {
      killed = message;
    },
  });
  checker.start();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(seen, ['true:Health check passed'], 'one report for a steady state');
  status = 500;
  await new Promise((r) => setTimeout(r, 400));
  checker.stop();
  assert.equal(seen.length, 2);
  assert.match(seen[1]!, /^false:HTTP health check .* returned 500/);
  assert.match(killed, /3 consecutive health checks failed/);
});

test('failures inside the grace period do not count until the first success', async () => {
  const seen: boolean[] = [];
  let killed = false;
  const check: HealthCheck = {
    type: 'TCP',
    tcp: { port: await closedPort() },
    delay_seconds: 0,
    interval_seconds: 0.02,
    timeout_seconds: 1,
    consecutive_failures: 1,
    grace_period_seconds: 60,
  };
  const checker = new HealthChecker(check, target, { healthChanged: (h) => seen.push(h), kill: () => (killed = true) });
  checker.start();
  await new Promise((r) => setTimeout(r, 200));
  checker.stop();
  assert.deepEqual(seen, []);
  assert.equal(killed, false);
});
