// `mesos resolve <master>` / `mesos-resolve`: prints the leading master's `ip:port`, as Apache
// Mesos's mesos-resolve (src/cli/resolve.cpp) does. <master> is what --master takes:
// `zk://[user:password@]host:port,.../path` (the leader found in ZooKeeper), `file:///path`
// holding one of these, or `host:port` (printed back with the host resolved to its IPv4 address).
// Like Mesos's, it reads flags from the command line only, and exits 0 with the address, 1 on an
// error and 255 when no leader was found within --timeout.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { FlagError, formatDuration, formatHelp, loadFlags } from '../common/flags/index.ts';
import type { FlagValues } from '../common/flags/index.ts';
import { createLogger } from '../common/log.ts';
import type { MasterInfo } from '../common/mesos.ts';
import { versionLine } from '../common/version.ts';
import { MasterDetector } from '../common/zk/detector.ts';
import { masterAddress } from '../common/zk/group.ts';
import { type ZkUrl, groupZnode, parseMasterSpec } from '../common/zk/url.ts';

export const resolveFlagDefs = [
  { name: 'timeout', type: 'duration', default: '5secs', help: 'How long to wait to resolve master.' },
  { name: 'verbose', type: 'bool', default: 'false', help: 'Be verbose: log what the ZooKeeper client does on stderr.' },
] as const;

type ResolveFlags = FlagValues<typeof resolveFlagDefs>;

const USAGE = `<master>

Prints the leading master's ip:port. <master> is zk://[user:password@]host1:port1,host2:port2/path
(the leader elected in ZooKeeper), file:///path holding such a URL, or host:port.
Example: mesos resolve zk://zk1:2181,zk2:2181,zk3:2181/mesos`;

/** resolve.cpp's `return -1` when the detector did not answer in time. */
const EXIT_TIMEOUT = 255;

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runResolve(argv: string[], progName: string, io: Output = defaultOutput()): Promise<number> {
  let flags: ResolveFlags;
  let positional: string[];
  try {
    const loaded = loadFlags<ResolveFlags>(resolveFlagDefs, { argv, env: {}, progName });
    if (loaded.help) {
      process.stdout.write(formatHelp(progName, USAGE, resolveFlagDefs));
      return 0;
    }
    if (loaded.version) {
      io.out(versionLine());
      return 0;
    }
    for (const w of loaded.warnings) io.err(`${progName}: warning: ${w}`);
    flags = loaded.values;
    positional = loaded.positional;
  } catch (err) {
    if (err instanceof FlagError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
  if (positional.length !== 1) {
    io.err(`${progName}: There must be only one argument: <master>. Run '${progName} --help' for usage.`);
    return 1;
  }
  const master = positional[0]!;
  const spec = parseMasterSpec(master, (p) => readFileSync(p, 'utf8'));
  if (!spec.ok) {
    io.err(`Failed to create a master detector: ${spec.error}`);
    return 1;
  }
  if (spec.value.kind === 'pid') {
    const { host, port } = spec.value;
    try {
      // UPID: an IPv4 literal as is, a host name resolved to its IPv4 address.
      const { address } = await lookup(host, { family: 4 });
      io.out(`${address}:${port}`);
      return 0;
    } catch {
      io.err(`Failed to create a master detector: Failed to parse '${master}'`);
      return 1;
    }
  }
  return resolveInZooKeeper(master, spec.value.url, flags, progName, io);
}

async function resolveInZooKeeper(master: string, url: ZkUrl, flags: ResolveFlags, progName: string, io: Output): Promise<number> {
  const log = flags.verbose ? createLogger({ name: progName }).logger : undefined;
  const detector = new MasterDetector({ url, ...(log ? { log } : {}) });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), flags.timeout * 1000);
  });
  try {
    let previous: MasterInfo | undefined;
    for (;;) {
      // The leader once there is one: detect() also answers when a leader is lost meanwhile.
      const result = await Promise.race([detector.detect(previous), timedOut]);
      if (result === 'timeout') {
        const why = detector.unreachable ?? `no master leads in ${groupZnode(url)} (none has joined the group)`;
        io.err(`Failed to detect master from '${master}' within ${formatDuration(flags.timeout)}: ${why}`);
        return EXIT_TIMEOUT;
      }
      if (result !== undefined) {
        io.out(masterAddress(result));
        return 0;
      }
      previous = result;
    }
  } catch (err) {
    io.err(`Failed to detect master from '${master}': ${(err as Error).message}`);
    return 1;
  } finally {
    clearTimeout(timer);
    await detector.close();
  }
}

function defaultOutput(): Output {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
