// Where the leading master is, for everything that connects to one (agents, `mesos execute`):
// a `--master` of `host:port` names it for good; `zk://.../path` (or `file:///etc/mesos/zk`
// holding one) names the ZooKeeper group the masters elect their leader in, followed with
// MasterDetector so that a new leader is reached as soon as ZooKeeper says so, as Apache
// Mesos's agents and scheduler library do (src/master/detector/detector.cpp,
// MasterDetector::create; src/slave/slave.cpp detected(); src/scheduler/scheduler.cpp).
import { EventEmitter } from 'node:events';
import { type Endpoint, MasterAddressError, parseMasterAddress } from './http-client.ts';
import type { Logger } from './log.ts';
import type { MasterInfo } from './mesos.ts';
import { type Result, failed, ok } from './result.ts';
import { MasterDetector } from './zk/detector.ts';
import { masterAddress, sameMaster } from './zk/group.ts';
import { type ZkUrl, ZK_SCHEME, formatZkUrl, parseGroupUrl } from './zk/url.ts';

/** What a `--master` value names. */
export type MasterSource = { kind: 'fixed'; endpoint: Endpoint } | { kind: 'zk'; url: ZkUrl };

const FILE_SCHEME = 'file://';

/**
 * A `--master` value: `zk://[user:password@]host:port,.../path`, `file:///path` holding one of
 * these (trimmed, as Mesos reads /etc/mesos/zk), or a master's `host:port`.
 */
export function parseMasterFlag(value: string, readFile: (path: string) => string): Result<MasterSource> {
  const text = value.trim();
  if (text.startsWith(FILE_SCHEME)) {
    const path = text.slice(FILE_SCHEME.length);
    let contents: string;
    try {
      contents = readFile(path);
    } catch {
      return failed(`Failed to read from file at '${path}'`);
    }
    return parseMasterFlag(contents, readFile);
  }
  if (text.startsWith(ZK_SCHEME)) {
    const url = parseGroupUrl(text);
    return url.ok ? ok({ kind: 'zk', url: url.value }) : failed(`'${formatZkUrl(parseZkUrlLoose(text))}': ${url.error}`);
  }
  try {
    // A master's UPID, as Mesos also takes it.
    return ok({ kind: 'fixed', endpoint: parseMasterAddress(text.startsWith('master@') ? text.slice('master@'.length) : text) });
  } catch (err) {
    if (err instanceof MasterAddressError) return failed(`${err.message}, zk://host:port,.../path or file:///path holding either`);
    throw err;
  }
}

/** The URL as much as it parses, for an error message that must not show the password. */
function parseZkUrlLoose(text: string): ZkUrl {
  const rest = text.slice(ZK_SCHEME.length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const path = slash < 0 ? '/' : rest.slice(slash);
  return at < 0 ? { servers: authority, path } : { servers: authority.slice(at + 1), path, credentials: authority.slice(0, at) };
}

/** The source for logs and messages (a ZooKeeper password left out). */
export function masterSourceText(source: MasterSource): string {
  if (source.kind === 'zk') return formatZkUrl(source.url);
  return endpointText(source.endpoint);
}

export function endpointText(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/**
 * Where to reach a detected leader: its UPID's address (what Mesos's agents and scheduler
 * library connect to), else `address.ip`, else the `ip` field, else its hostname.
 */
export function leaderEndpoint(info: MasterInfo): Endpoint | undefined {
  if (info.pid) {
    const m = /^(.+):(\d+)$/.exec(masterAddress(info));
    if (m && m[1] !== '') return { host: m[1]!, port: Number(m[2]) };
  }
  const port = info.address?.port ?? info.port;
  if (!port) return undefined;
  const host = info.address?.ip || (info.ip ? networkUint32ToIpv4(info.ip) : undefined) || info.address?.hostname || info.hostname;
  return host ? { host, port } : undefined;
}

/** MasterInfo.ip back to dotted form (network byte order read as a little-endian uint32). */
function networkUint32ToIpv4(ip: number): string {
  return [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, ip >>> 24].join('.');
}

export interface LeadingMasterEvents {
  /** A new leader (or none: leadership lost, or ZooKeeper unreachable for longer than a session). */
  leader: [endpoint: Endpoint | undefined, info: MasterInfo | undefined];
}

export interface LeadingMasterOptions {
  /** The ZooKeeper session timeout (`--zk_session_timeout`). */
  sessionTimeoutMs?: number;
  log?: Logger;
}

/** The leading master of a `--master` source, as it changes. */
export class LeadingMaster extends EventEmitter<LeadingMasterEvents> {
  private endpoint: Endpoint | undefined;
  private info: MasterInfo | undefined;
  private readonly detector: MasterDetector | undefined;
  private lastError: string | undefined;

  constructor(
    readonly source: MasterSource,
    private readonly options: LeadingMasterOptions = {},
  ) {
    super();
    if (source.kind === 'fixed') {
      this.endpoint = source.endpoint;
      return;
    }
    this.detector = new MasterDetector({
      url: source.url,
      ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    this.detector.on('leader', (info) => this.detected(info));
    this.detector.on('error', (message) => {
      this.lastError = message;
      options.log?.error(`Failed to detect the leading master: ${message}`);
    });
  }

  /** Starts following ZooKeeper (nothing to do for a fixed master). */
  start(): void {
    this.detector?.start();
  }

  /** The leader to connect to now, if one is known. */
  get current(): Endpoint | undefined {
    return this.endpoint;
  }

  /** Whether the leader is followed in ZooKeeper (and may change). */
  get follows(): boolean {
    return this.detector !== undefined;
  }

  /** Why no leader is known: ZooKeeper cannot be reached, or the leader's znode cannot be read. */
  get problem(): string | undefined {
    return this.detector?.unreachable ?? (this.endpoint === undefined ? this.lastError : undefined);
  }

  /** Resolves at the next leader event, or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('leader', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.on('leader', done);
    });
  }

  async close(): Promise<void> {
    await this.detector?.close();
  }

  private detected(info: MasterInfo | undefined): void {
    if (info !== undefined && sameMaster(info, this.info)) return;
    this.info = info;
    const endpoint = info && leaderEndpoint(info);
    if (info === undefined) {
      this.options.log?.warn(`Lost the leading master in ${masterSourceText(this.source)}; waiting for a new one`);
    } else if (endpoint === undefined) {
      this.options.log?.error(`The leading master ${info.id} names no address to connect to; waiting for another`);
    }
    this.endpoint = endpoint;
    this.emit('leader', endpoint, info);
  }
}
