// Making an ordinary master the leader in ZooKeeper from a test: a candidacy in Apache Mesos's
// layout (json.info_<seq> holding the master's MasterInfo) in a session of its own, as the
// master itself would make with --zk. Withdrawing it (or closing its session) fails over to the
// next candidate, as a leader's death does.
import type { MasterInfo } from '../../daemons/common/mesos.ts';
import { ipv4ToNetworkUint32 } from '../../daemons/common/zk/group.ts';
import { type ZkSession, connectSession } from '../../daemons/common/zk/session.ts';
import { groupZnode, parseZkUrl } from '../../daemons/common/zk/url.ts';
import { MasterContender } from '../../daemons/master/contender.ts';
import type { Daemon } from './cluster.ts';

/** The MasterInfo a master would write in ZooKeeper, from what it says of itself. */
export async function masterInfoOf(master: Daemon): Promise<MasterInfo> {
  const state = await master.json<{ id: string; pid: string; hostname: string; version: string }>('/master/state');
  return {
    id: state.id,
    ip: ipv4ToNetworkUint32('127.0.0.1'),
    port: master.port,
    pid: state.pid,
    hostname: state.hostname,
    version: state.version,
    address: { hostname: state.hostname, ip: '127.0.0.1', port: master.port },
  };
}

export interface Announcement {
  contender: MasterContender;
  session: ZkSession;
}

/** Joins the group of `zkUrl` (zk://.../path) on behalf of `master`. */
export async function announce(zkUrl: string, master: Daemon): Promise<Announcement> {
  const url = parseZkUrl(zkUrl);
  if (!url.ok) throw new Error(url.error);
  const session = await connectSession({ url: url.value, sessionTimeoutMs: 2000, connectTimeoutMs: 20_000 });
  const contender = new MasterContender(session, groupZnode(url.value), await masterInfoOf(master));
  await contender.contend();
  return { contender, session };
}
