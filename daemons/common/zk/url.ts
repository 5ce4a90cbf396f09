// `zk://` URLs as Apache Mesos reads them (include/mesos/zookeeper/url.hpp, URL::parse), and the
// master specifications Mesos's detectors accept (src/master/detector/detector.cpp,
// MasterDetector::create): `zk://...`, `file:///path` holding one of those, or `host:port`.
// Pure: reading a file and resolving a host name are passed in.
import { type Result, failed, ok } from '../result.ts';

/** zk://[user:password@]host1:port1,host2:port2/path */
export interface ZkUrl {
  /** The ZooKeeper servers as written: `host1:port1,host2:port2`. */
  servers: string;
  /** The znode the masters' group lives in; `/` when the URL has no path. */
  path: string;
  /** `user:password` for ZooKeeper's `digest` scheme, the only one Mesos supports. */
  credentials?: string;
}

export const ZK_SCHEME = 'zk://';

/**
 * URL::parse: everything from the first `/` after `zk://` is the path, and everything before
 * the last `@` of the rest is the credentials. Like Mesos, the servers are not checked here: a
 * bad server list shows up as a server that cannot be reached.
 */
export function parseZkUrl(text: string): Result<ZkUrl> {
  const s = text.trim();
  if (!s.startsWith(ZK_SCHEME)) return failed("Expecting 'zk://' at the beginning of the URL");
  const rest = s.slice(ZK_SCHEME.length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '/' : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  if (at < 0) return ok({ servers: authority, path });
  return ok({ servers: authority.slice(at + 1), path, credentials: authority.slice(0, at) });
}

/**
 * The URL as Mesos prints it (operator<<), with the password left out: these strings end up in
 * logs and error messages, where Mesos's own would leak it.
 */
export function formatZkUrl(url: ZkUrl): string {
  const user = url.credentials === undefined ? '' : `${url.credentials.split(':')[0]}:****@`;
  return `${ZK_SCHEME}${user}${url.servers}${url.path}`;
}

/**
 * A URL the contender and the detector can use (MasterContender::create, MasterDetector::create):
 * the group needs a znode of its own.
 */
export function parseGroupUrl(text: string): Result<ZkUrl> {
  const url = parseZkUrl(text);
  if (!url.ok) return url;
  if (url.value.path === '/') return failed("Expecting a (chroot) path for ZooKeeper ('/' is not supported)");
  return url;
}

/** The znode of the group (GroupProcess trims one trailing `/`, as stout's strings::remove SUFFIX). */
export function groupZnode(url: ZkUrl): string {
  return url.path.endsWith('/') ? url.path.slice(0, -1) : url.path;
}

/** The servers as a list of `host:port`; a server without a port gets ZooKeeper's 2181. */
export function zkServers(url: ZkUrl): string[] {
  return url.servers
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/:\d+$/.test(s) ? s : `${s}:2181`));
}

/** What a `--master` value or `mesos resolve <master>` argument names. */
export type MasterSpec = { kind: 'zk'; url: ZkUrl } | { kind: 'pid'; host: string; port: number };

/**
 * MasterDetector::create: `zk://` is a ZooKeeper group, `file://PATH` is read (trimmed) and
 * parsed again, anything else is a master's `[master@]host:port`. The host is resolved by the
 * caller (UPID resolves it to an IPv4 address).
 */
export function parseMasterSpec(text: string, readFile: (path: string) => string): Result<MasterSpec> {
  if (text.startsWith(ZK_SCHEME)) {
    const url = parseGroupUrl(text);
    return url.ok ? ok({ kind: 'zk', url: url.value }) : url;
  }
  if (text.startsWith('file://')) {
    const path = text.slice('file://'.length);
    let contents: string;
    try {
      contents = readFile(path);
    } catch {
      return failed(`Failed to read from file at '${path}'`);
    }
    return parseMasterSpec(contents.trim(), readFile);
  }
  const pid = parsePid(text.startsWith('master@') ? text : `master@${text}`);
  return pid ? ok({ kind: 'pid', ...pid }) : failed(`Failed to parse '${text}'`);
}

/**
 * libprocess's UPID parsing (`operator>>`): the first word, `id@host:port`, the host up to the
 * first `:`, the port read as sscanf's `%hu` does (leading digits, kept modulo 2^16).
 */
function parsePid(text: string): { host: string; port: number } | undefined {
  const word = text.trim().split(/\s+/)[0] ?? '';
  const at = word.indexOf('@');
  if (at < 0) return undefined;
  const rest = word.slice(at + 1);
  const colon = rest.indexOf(':');
  if (colon < 0) return undefined;
  const host = rest.slice(0, colon);
  const digits = /^\s*([+-]?)(\d+)/.exec(rest.slice(colon + 1));
  if (host === '' || !digits) return undefined;
  const magnitude = Number(BigInt(digits[2]!) % 65536n);
  return { host, port: digits[1] === '-' ? (65536 - magnitude) % 65536 : magnitude };
}
