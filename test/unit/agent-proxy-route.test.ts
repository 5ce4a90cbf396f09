// The master's /agent/<id>/<path> route: which paths pass, what the agent is asked for, where
// the agent is reached, which headers cross, and how the route is guarded and led.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PROXIED_PATHS,
  agentHttpAddress,
  formatAddress,
  forwardedRequestHeaders,
  forwardedResponseHeaders,
  parseAgentProxyUrl,
} from '../../daemons/master/agent-proxy-route.ts';
import { realmOf } from '../../daemons/master/endpoint-realms.ts';
import { followerDecision, leaderOnly } from '../../daemons/master/leader-routes.ts';

const ID = 'a1b2c3d4-0000-4000-8000-000000000001-S0';

test('allowlisted agent read paths are forwarded with their query strings', () => {
  assert.deepEqual(parseAgentProxyUrl(`/agent/${ID}/slave(1)/state`), { ok: true, agentId: ID, path: '/slave(1)/state' });
  assert.deepEqual(parseAgentProxyUrl(`/agent/${ID}/files/read?path=%2Ftmp%2Fx&offset=0&length=10`), {
    ok: true,
    agentId: ID,
    path: '/files/read?path=%2Ftmp%2Fx&offset=0&length=10',
  });
  for (const p of PROXIED_PATHS) {
    const t = parseAgentProxyUrl(`/agent/${ID}/${p}?jsonp=f`);
    assert.ok(t.ok, p);
    assert.equal(t.ok && t.path, `/${p}?jsonp=f`);
  }
});

test('a percent-encoded spelling of an allowed path is forwarded in its plain spelling', () => {
  assert.deepEqual(parseAgentProxyUrl(`/agent/${ID}/slave%281%29/state`), { ok: true, agentId: ID, path: '/slave(1)/state' });
  assert.deepEqual(parseAgentProxyUrl(`/agent/${encodeURIComponent(ID)}/flags`), { ok: true, agentId: ID, path: '/flags' });
});

test('anything else is refused with a one-line message naming the allowed paths', () => {
  for (const p of [
    'api/v1/executor',
    'files/browse/../../etc/passwd',
    'files/../api/v1',
    'files/browse/',
    'slave(1)/api/v1',
    'slave(1)/files/read',
    'State',
    'health',
    '',
  ]) {
    const t = parseAgentProxyUrl(`/agent/${ID}/${p}`);
    assert.equal(t.ok, false, p);
    assert.ok(!t.ok && t.message.includes('files/browse') && !t.message.includes('\n'), p);
  }
  for (const url of ['/agent/', `/agent/${ID}`, '/agent//state', '/agent/%zz/state', `/agent/${ID}/%zz`]) {
    assert.equal(parseAgentProxyUrl(url).ok, false, url);
  }
});

test("the agent's address comes from its pid, else its hostname and port", () => {
  assert.deepEqual(agentHttpAddress({ pid: 'slave(1)@10.0.0.5:5051', hostname: 'h', port: 1 }), { host: '10.0.0.5', port: 5051 });
  assert.deepEqual(agentHttpAddress({ pid: 'slave(1)@::1:5052', hostname: 'h', port: 1 }), { host: '::1', port: 5052 });
  assert.deepEqual(agentHttpAddress({ pid: 'slave(1)@[::1]:5053', hostname: 'h', port: 1 }), { host: '::1', port: 5053 });
  assert.deepEqual(agentHttpAddress({ pid: '', hostname: 'node7', port: 5055 }), { host: 'node7', port: 5055 });
  assert.deepEqual(agentHttpAddress({ hostname: 'node7' }), { host: 'node7', port: 5051 });
  assert.equal(formatAddress({ host: '::1', port: 5051 }), '[::1]:5051');
  assert.equal(formatAddress({ host: '10.0.0.5', port: 5051 }), '10.0.0.5:5051');
});

test("only the caller's credentials, Accept and Range reach the agent", () => {
  assert.deepEqual(
    forwardedRequestHeaders({
      authorization: 'Basic b3BzOnNlY3JldA==',
      accept: 'application/json',
      range: 'bytes=0-9',
      cookie: 'session=1',
      host: 'master:5050',
      'x-forwarded-for': '1.2.3.4',
      'proxy-authorization': 'Basic eA==',
    }),
    { authorization: 'Basic b3BzOnNlY3JldA==', accept: 'application/json', range: 'bytes=0-9' },
  );
  assert.deepEqual(forwardedRequestHeaders({}), {});
});

test("the agent's body headers and its challenge reach the caller; its other headers do not", () => {
  assert.deepEqual(
    forwardedResponseHeaders({
      'content-type': 'application/octet-stream',
      'content-length': '42',
      'content-disposition': 'attachment; filename="stdout"',
      'www-authenticate': 'Basic realm="mesos-agent-readonly"',
      'access-control-allow-origin': '*',
      'set-cookie': ['a=b'],
      connection: 'keep-alive',
    }),
    {
      'content-type': 'application/octet-stream',
      'content-length': '42',
      'content-disposition': 'attachment; filename="stdout"',
      'www-authenticate': 'Basic realm="mesos-agent-readonly"',
    },
  );
});

test('the route is read-only for authentication and served by the leader only', () => {
  assert.equal(realmOf(`/agent/${ID}/files/download?path=x`), 'readonly');
  assert.equal(leaderOnly(`/agent/${ID}/slave(1)/state`), true);
  assert.equal(leaderOnly('/agents'), false);
  const leader = { id: 'm', ip: 0, port: 5050, hostname: 'leader' };
  assert.deepEqual(followerDecision(`/agent/${ID}/state?x=1`, leader), {
    kind: 'redirect',
    location: `//leader:5050/agent/${ID}/state?x=1`,
  });
  assert.deepEqual(followerDecision(`/agent/${ID}/state`, undefined), { kind: 'unavailable', message: 'No leader elected' });
});
