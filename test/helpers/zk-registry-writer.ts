// A master's registry writer in a process of its own, for tests that pause it (SIGSTOP) past
// its ZooKeeper session: `node --import tsx zk-registry-writer.ts <zk://url> <session ms>`
// contends in the URL's group, opens the registry once elected and prints JSON lines:
// {"event":"ready","candidacy":...} once it may write, then for each stdin line `admit <n>`
// {"event":"admitted","n":...} or {"event":"refused","n":...,"error":...}, and
// {"event":"fenced","reason":...} when the registry fences it off.
import { createInterface } from 'node:readline';
import { silentLogger } from '../../daemons/common/log.ts';
import { connectSession } from '../../daemons/common/zk/session.ts';
import { groupZnode, parseZkUrl } from '../../daemons/common/zk/url.ts';
import { MasterContender } from '../../daemons/master/contender.ts';
import { Registry } from '../../daemons/master/registry.ts';

function say(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function main(): Promise<void> {
  const url = parseZkUrl(process.argv[2] ?? '');
  if (!url.ok) throw new Error(url.error);
  const group = groupZnode(url.value);
  const session = await connectSession({ url: url.value, sessionTimeoutMs: Number(process.argv[3] ?? 2000), connectTimeoutMs: 20_000 });
  const candidacy = await new MasterContender(session, group, {
    id: `writer-${process.pid}`,
    ip: 16777343,
    port: 5050,
    pid: 'master@127.0.0.1:5050',
    hostname: 'writer',
  }).contend();
  if (!(await candidacy.elected)) throw new Error('lost the candidacy before being elected');
  const registry = await Registry.openZk({
    session,
    group,
    candidacyPath: candidacy.path,
    limits: { maxCompletedFrameworks: 10, maxCompletedTasksPerFramework: 10 },
    log: silentLogger(),
    onFenced: (reason) => say({ event: 'fenced', reason }),
  });
  say({ event: 'ready', candidacy: candidacy.path });
  for await (const line of createInterface({ input: process.stdin })) {
    const m = /^admit (\d+)$/.exec(line.trim());
    if (!m) continue;
    const n = Number(m[1]);
    const agent = {
      id: `agent-${n}`,
      hostname: `h${n}`,
      port: 5051,
      pid: `slave(1)@127.0.0.1:${n}`,
      resources: [],
      attributes: [],
      registeredTime: n,
    };
    registry.apply(
      { op: 'ADMIT_AGENT', agent },
      () => say({ event: 'admitted', n }),
      (err) => say({ event: 'refused', n, error: err.message }),
    );
  }
}

main().catch((err: unknown) => {
  say({ event: 'error', error: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
