// Authentication with masters behind ZooKeeper: a follower guards its answers as the leader
// does. Without credentials a follower's /master/state is 401 (not a 307 that would tell the
// way to the leader), with them it redirects to the leader, which answers them.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basicAuthorization } from '../../daemons/common/basic-auth.ts';
import { type Daemon, startMaster, tempDir, waitFor } from '../helpers/cluster.ts';
import { ZooKeeperCluster, zookeeperUnavailable } from '../helpers/zookeeper.ts';

const unavailable = zookeeperUnavailable();
const skip = unavailable ? `ZooKeeper tests skipped: ${unavailable}` : false;
const ops = basicAuthorization('ops', 'ops-secret');

let zk: ZooKeeperCluster | undefined;
const masters: Daemon[] = [];

before(async () => {
  if (skip) return;
  zk = await ZooKeeperCluster.standalone();
  const credentials = path.join(tempDir('auth-ha'), 'credentials.json');
  writeFileSync(credentials, JSON.stringify({ credentials: [{ principal: 'ops', secret: 'ops-secret' }] }));
  chmodSync(credentials, 0o600);
  const args = [
    `--zk=${zk.url('/mesos-auth')}`,
    '--quorum=1',
    '--zk_session_timeout=2secs',
    '--hostname=127.0.0.1',
    `--credentials=${credentials}`,
    '--authenticate_http_readonly',
  ];
  masters.push(await startMaster(args));
  masters.push(await startMaster(args));
});
after(async () => {
  await Promise.all(masters.map((d) => d.stop('SIGKILL')));
  await zk?.stop();
});

const state = (d: Daemon, authorization?: string) =>
  fetch(`${d.url}/master/state`, { redirect: 'manual', headers: authorization ? { Authorization: authorization } : {} });

describe('authentication on a follower', { skip }, () => {
  test('401 without credentials, 307 to the leader with them; the leader answers them', async () => {
    const leader = await waitFor('a leader', async () => {
      for (const d of masters) {
        const res = await state(d, ops);
        await res.text();
        if (res.status === 200) return d;
      }
      return undefined;
    });
    const follower = masters.find((d) => d !== leader)!;
    await waitFor('the follower redirecting', async () => {
      const res = await state(follower, ops);
      await res.text();
      return res.status === 307 && res.headers.get('location') === `//127.0.0.1:${leader.port}/master/state`;
    });
    for (const d of masters) {
      const res = await state(d);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="mesos-master-readonly"');
      await res.text();
    }
    const health = await fetch(`${follower.url}/health`);
    assert.equal(health.status, 200);
  });
});
