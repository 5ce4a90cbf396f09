// Which kind of master the flags ask for, checked as Apache Mesos 1.11's master checks them
// (src/master/main.cpp): standalone without --zk; with --zk a candidate for leadership in the
// ZooKeeper group at the URL's path, keeping its registry in ZooKeeper under the same path
// (--registry=replicated_log, which then needs --quorum, as Mesos's replicated log does) or in
// memory (--registry=in_memory). Pure: the flags in, the mode or the problem in one line out.
import { type Result, failed, ok } from '../common/result.ts';
import { type ZkUrl, formatZkUrl, parseGroupUrl, zkServers } from '../common/zk/url.ts';

export type HaMode =
  | { kind: 'standalone' }
  | {
      kind: 'zk';
      url: ZkUrl;
      sessionTimeoutMs: number;
      /** Where the leader keeps the registry: in ZooKeeper (replicated_log) or in memory. */
      registry: 'zookeeper' | 'in_memory';
      /** --quorum as given (Mesos's replicated log quorum); ZooKeeper's ensemble has its own. */
      quorum?: number;
    };

export interface HaFlags {
  zk?: string | undefined;
  quorum?: number | undefined;
  registry: string;
  /** Seconds. */
  zk_session_timeout: number;
  master_contender?: string | undefined;
  master_detector?: string | undefined;
}

const EXAMPLE = 'zk://host1:2181,host2:2181,host3:2181/mesos';

export function haMode(flags: HaFlags): Result<HaMode> {
  for (const name of ['master_contender', 'master_detector'] as const) {
    if (flags[name] !== undefined) {
      return failed(
        `--${name}: contender and detector modules are C++ shared libraries, which cannot be loaded here; remove it and elect the leader through ZooKeeper with --zk=${EXAMPLE}`,
      );
    }
  }
  if (flags.zk === undefined) return ok({ kind: 'standalone' });
  const text = flags.zk.trim();
  if (/\s/.test(text)) {
    return failed(`invalid value for flag '--zk': expected one URL such as ${EXAMPLE}, got several words or lines`);
  }
  const parsed = parseGroupUrl(text);
  if (!parsed.ok) return failed(`invalid value for flag '--zk': ${parsed.error}; write a path after the servers, as in ${EXAMPLE}`);
  const url = parsed.value;
  const shown = formatZkUrl(url);
  if (zkServers(url).length === 0)
    return failed(`invalid value '${shown}' for flag '--zk': it names no ZooKeeper server; write ${EXAMPLE}`);
  if (url.credentials !== undefined && !/^[^:]+:/.test(url.credentials)) {
    return failed(
      `invalid value '${shown}' for flag '--zk': credentials are ZooKeeper's digest 'user:password'; write zk://user:password@host:2181/mesos`,
    );
  }
  if (!(flags.zk_session_timeout > 0)) {
    return failed(`invalid value for flag '--zk_session_timeout': it must be positive; the default is 10secs`);
  }
  const sessionTimeoutMs = Math.round(flags.zk_session_timeout * 1000);
  if (flags.registry === 'in_memory') return ok({ kind: 'zk', url, sessionTimeoutMs, registry: 'in_memory' });
  if (flags.quorum === undefined) {
    return failed(
      'Need to specify --quorum for replicated log based registry when using ZooKeeper: pass --quorum=2 with three masters (more than half of them)',
    );
  }
  return ok({ kind: 'zk', url, sessionTimeoutMs, registry: 'zookeeper', quorum: flags.quorum });
}
