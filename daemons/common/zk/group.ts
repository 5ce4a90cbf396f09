// The masters' group in ZooKeeper as Apache Mesos lays it out, pure: what each child znode of
// the group means, who leads, and the MasterInfo a leader's znode holds.
//
// Mesos 1.11 (src/zookeeper/group.cpp, src/master/contender/zookeeper.cpp,
// src/master/detector/zookeeper.cpp): every master joins the group with an ephemeral sequential
// znode `<path>/json.info_<10-digit sequence>` holding its MasterInfo as compact JSON; the member
// with the smallest sequence leads. Detectors also read the two older forms: `info_<seq>` with
// MasterInfo as protobuf bytes (Mesos < 0.24) and a bare `<seq>` holding the master's UPID
// (`master@ip:port`). Children whose last `_`-separated word is not a number (the replicated log's
// `log_replicas`) are not members.
import type { MasterInfo } from '../mesos.ts';
import { type Result, failed, ok } from '../result.ts';

/** MASTER_INFO_JSON_LABEL (src/master/constants.hpp): the label Mesos 1.11 masters write. */
export const MASTER_INFO_JSON_LABEL = 'json.info';
/** MASTER_INFO_LABEL: protobuf MasterInfo, still read by Mesos 1.11's detector. */
export const MASTER_INFO_LABEL = 'info';

export interface Member {
  /** The child znode's name, e.g. `json.info_0000000003`. */
  name: string;
  sequence: number;
  /** The part before the first `_`; absent for a bare sequence. */
  label?: string;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * GroupProcess::cache: the name split on `_` (empty words dropped, as strings::tokenize does);
 * the last word is the sequence (numify<int32_t>), the first the label when there are two or more.
 */
export function parseMember(name: string): Member | undefined {
  const words = name.split('_').filter((w) => w !== '');
  const last = words[words.length - 1];
  if (last === undefined || !/^[+-]?\d+$/.test(last)) return undefined;
  const sequence = Number(last);
  if (sequence < INT32_MIN || sequence > INT32_MAX) return undefined;
  return words.length > 1 ? { name, sequence, label: words[0]! } : { name, sequence };
}

/** The members among a group's children. */
export function membersOf(children: readonly string[]): Member[] {
  return children.map(parseMember).filter((m): m is Member => m !== undefined);
}

/** LeaderDetectorProcess::watched: the leader is the member with the smallest sequence. */
export function leaderOf(children: readonly string[]): Member | undefined {
  let leader: Member | undefined;
  for (const m of membersOf(children)) if (!leader || m.sequence < leader.sequence) leader = m;
  return leader;
}

/** The sequence ZooKeeper appended to a sequential znode's path (`.../json.info_0000000007` → 7). */
export function sequenceOfPath(path: string): number {
  const member = parseMember(path.slice(path.lastIndexOf('/') + 1));
  if (!member) throw new Error(`'${path}' is not a sequential znode`);
  return member.sequence;
}

/**
 * MasterInfo as Mesos writes it into its znode: `stringify(JSON::protobuf(info))`, i.e. compact
 * JSON with every object's keys in byte order (stout's JSON::Object is a std::map).
 */
export function masterInfoJson(info: MasterInfo): string {
  return JSON.stringify(sortKeys(info));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** Converts a JSON MasterInfo the way `protobuf::parse<MasterInfo>` checks it, with its error text. */
export type MasterInfoFromJson = (json: unknown) => Result<MasterInfo>;
/** Decodes a protobuf MasterInfo (the `info_` form), or says why it cannot. */
export type MasterInfoFromProtobuf = (bytes: Uint8Array) => Result<MasterInfo>;

/**
 * ZooKeeperMasterDetectorProcess::fetched: the leader's MasterInfo from its znode's data, by its
 * label, with Mesos's error texts. The conversions are passed in so this module needs no schema.
 */
export function leaderInfo(
  member: Member,
  data: Buffer,
  fromJson: MasterInfoFromJson,
  fromProtobuf: MasterInfoFromProtobuf,
): Result<MasterInfo> {
  if (member.label === undefined) return masterInfoOfPid(data.toString('utf8'));
  if (member.label === MASTER_INFO_LABEL) {
    const info = fromProtobuf(data);
    return info.ok ? info : failed('Failed to parse data into MasterInfo');
  }
  if (member.label === MASTER_INFO_JSON_LABEL) {
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch (err) {
      return failed(`Failed to parse data into valid JSON: ${(err as Error).message}`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      return failed('Failed to parse data into valid JSON: not a JSON object');
    }
    const info = fromJson(json);
    return info.ok ? info : failed(`Failed to parse JSON into a valid MasterInfo protocol buffer: ${info.error}`);
  }
  return failed(`Failed to parse data of unknown label '${member.label}'`);
}

/**
 * The oldest form: the znode holds the master's UPID. protobuf::createMasterInfo(pid) makes a
 * MasterInfo of it (address and pid; the id is the pid, as no id was written).
 */
export function masterInfoOfPid(text: string): Result<MasterInfo> {
  const m = /^([^@\s]+)@(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(text.trim());
  if (!m) return failed(`Failed to parse '${text.trim()}' into a master's UPID`);
  const ip = m[2]!;
  const port = Number(m[3]);
  const pid = `${m[1]}@${ip}:${port}`;
  return ok({ id: pid, ip: ipv4ToNetworkUint32(ip), port, pid, address: { ip, port } });
}

/** MasterInfo.ip: the IPv4 address in network byte order, read as a little-endian uint32. */
export function ipv4ToNetworkUint32(ip: string): number {
  const parts = ip.split('.').map(Number);
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}

/** `host:port` of a master as mesos-resolve prints it: the UPID without `master@`. */
export function masterAddress(info: MasterInfo): string {
  if (info.pid) return info.pid.split('master@').join('');
  return `${info.address?.ip ?? info.hostname ?? ''}:${info.address?.port ?? info.port}`;
}

/** Whether two MasterInfos are equal as Mesos's operator== (common/type_utils.cpp) sees them. */
export function sameMaster(a: MasterInfo | undefined, b: MasterInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const domain = (info: MasterInfo) => JSON.stringify(sortKeys((info as { domain?: unknown }).domain) ?? null);
  return (
    a.id === b.id &&
    a.ip === b.ip &&
    a.port === b.port &&
    a.pid === b.pid &&
    a.hostname === b.hostname &&
    a.version === b.version &&
    domain(a) === domain(b)
  );
}
