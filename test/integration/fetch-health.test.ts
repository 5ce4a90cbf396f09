// URIs fetched into sandboxes before tasks start, and health checks turning a task unhealthy,
// through a real master and agent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Offer, TaskInfo } from '../../daemons/common/mesos.ts';
import { type Daemon, startCluster, tempDir, waitFor } from '../helpers/cluster.ts';
import { TestScheduler } from '../helpers/scheduler.ts';

let cluster: Awaited<ReturnType<typeof startCluster>>;
let master: Daemon;
let server: http.Server;
let base = '';
let healthStatus = 200;
const hits = new Map<string, number>();
const served = new Map<string, Buffer>();

before(async () => {
  const dir = tempDir('fetch-src');
  mkdirSync(path.join(dir, 'app', 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'app', 'bin', 'run.sh'), '#!/bin/sh\necho "hello from the fetched app"\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', path.join(dir, 'app.tgz'), '-C', dir, 'app']);
  served.set('/app.tgz', readFileSync(path.join(dir, 'app.tgz')));
  server = http.createServer((req, res) => {
    const p = req.url ?? '/';
    hits.set(p, (hits.get(p) ?? 0) + 1);
    if (p === '/health') return void res.writeHead(healthStatus).end();
    const body = served.get(p);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cluster = await startCluster(['--allocation_interval=50ms']);
  master = cluster.master;
});
after(async () => {
  await cluster?.stop();
  server?.close();
});

function task(id: string, offer: Offer, extra: Partial<TaskInfo>): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
    ],
    ...extra,
  };
}

test('a tarball served on loopback is fetched and extracted; the second launch hits the cache', async () => {
  const s = new TestScheduler(master.port);
  try {
    await s.subscribe();
    const command = { value: './app/bin/run.sh', uris: [{ value: `${base}/app.tgz`, cache: true }] };
    await s.launch((o) => [task('fetch-1', o, { command })]);
    const first = await s.waitState('fetch-1', 'TASK_FINISHED');
    assert.equal(first.message, 'Command exited with status 0');
    await s.launch((o) => [task('fetch-2', o, { command })]);
    await s.waitState('fetch-2', 'TASK_FINISHED');
    assert.equal(hits.get('/app.tgz'), 1, 'the second launch came from the fetcher cache');
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('a URI that answers 404 fails the task with the reason', async () => {
  const s = new TestScheduler(master.port);
  try {
    await s.subscribe();
    await s.launch((o) => [task('fetch-404', o, { command: { value: 'true', uris: [{ value: `${base}/missing.tgz` }] } })]);
    const failed = await s.waitState('fetch-404', 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.match(
      failed.message ?? '',
      /Failed to fetch all URIs for container .*HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/missing\.tgz/,
    );
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('an HTTP health check: healthy, then unhealthy, then the task is killed', async () => {
  const s = new TestScheduler(master.port);
  healthStatus = 200;
  try {
    await s.subscribe();
    const port = Number(new URL(base).port);
    await s.launch((o) => [
      task('checked', o, {
        command: { value: 'sleep 60' },
        health_check: {
          type: 'HTTP',
          http: { port, path: '/health' },
          delay_seconds: 0,
          interval_seconds: 0.2,
          timeout_seconds: 1,
          consecutive_failures: 2,
          grace_period_seconds: 0,
        },
      }),
    ]);
    const healthy = await waitFor('healthy', () => s.updates('checked').find((u) => u.state === 'TASK_RUNNING' && u.healthy === true));
    assert.equal(healthy.reason, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    healthStatus = 503;
    const unhealthy = await waitFor('unhealthy', () => s.updates('checked').find((u) => u.state === 'TASK_RUNNING' && u.healthy === false));
    assert.match(unhealthy.message ?? '', /returned 503/);
    const killed = await s.waitState('checked', 'TASK_KILLED');
    assert.equal(killed.healthy, false);
    assert.match(killed.message ?? '', /2 consecutive health checks failed/);
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});

test('a COMMAND check: TASK_RUNNING carries its type, then each changed exit code', async () => {
  const s = new TestScheduler(master.port);
  try {
    await s.subscribe();
    await s.launch((o) => [
      task('checked-cmd', o, {
        // The check fails until the task has created its flag file, then succeeds.
        command: { value: 'sleep 1; touch flag; sleep 60' },
        check: {
          type: 'COMMAND',
          command: { command: { value: 'test -f flag' } },
          delay_seconds: 0,
          interval_seconds: 0.2,
          timeout_seconds: 2,
        },
      }),
    ]);
    const running = await s.waitState('checked-cmd', 'TASK_RUNNING');
    assert.deepEqual(running.check_status, { type: 'COMMAND', command: {} });
    const failing = await waitFor('exit code 1', () =>
      s.updates('checked-cmd').find((u) => (u.check_status as { command?: { exit_code?: number } })?.command?.exit_code === 1),
    );
    assert.equal(failing.state, 'TASK_RUNNING');
    assert.equal(failing.reason, 'REASON_TASK_CHECK_STATUS_UPDATED');
    await waitFor('exit code 0', () =>
      s.updates('checked-cmd').find((u) => (u.check_status as { command?: { exit_code?: number } })?.command?.exit_code === 0),
    );
    const changes = s.updates('checked-cmd').filter((u) => u.reason === 'REASON_TASK_CHECK_STATUS_UPDATED');
    assert.equal(changes.length, 2, 'one update per change, not per check');
    await s.client.call({ type: 'KILL', kill: { task_id: { value: 'checked-cmd' } } });
    const killed = await s.waitState('checked-cmd', 'TASK_KILLED');
    assert.deepEqual(killed.check_status, { type: 'COMMAND', command: { exit_code: 0 } }, 'later updates carry the latest check status');
  } finally {
    await s.client.call({ type: 'TEARDOWN' }).catch(() => undefined);
    s.close();
  }
});
