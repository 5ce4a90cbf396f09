// The registry in ZooKeeper: latency of one agent admission (Registry.apply of ADMIT_AGENT until
// it is durable: encoding the state, the fenced multi-op, chunks when it is large) next to a bare
// ZooKeeper setData of the same bytes, one after the other on the same server and session, so
// the ratio is what the registry adds to ZooKeeper's own write. Twice: a state that fits in the
// pointer (the first `--zk_agents` admissions), and one past 1 MB that goes through chunks
// (`--zk_large_agents` agents preloaded, then `--zk_runs` admissions), where a write sends only
// the chunks whose bytes changed and the pointer, and the bare writes are those same pieces,
// each a setData of its own znode, sent together.
// Run alone: `npx tsx test/bench/zk-registry.ts [--zk_agents=N] [--zk_large_agents=N] [--zk_runs=N] [--json]`;
// `npm run bench -- zkregistry` runs it too.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { silentLogger } from '../../daemons/common/log.ts';
import { connectSession } from '../../daemons/common/zk/session.ts';
import { parseZkUrl } from '../../daemons/common/zk/url.ts';
import { MasterContender } from '../../daemons/master/contender.ts';
import { type AgentEntry, Registry } from '../../daemons/master/registry.ts';
import {
  DEFAULT_ZK_LIMITS,
  type PieceLayout,
  decodePointer,
  fenceBytes,
  planWrite,
  pointerPath,
  zkStateSegments,
} from '../../daemons/master/registry-zk-format.ts';
import { ZooKeeperCluster } from '../helpers/zookeeper.ts';

export interface ZkRegistryPhase {
  admissions: number;
  /** Agents in the registry at the first and the last admission measured. */
  agentsFrom: number;
  agentsTo: number;
  /** The state's bytes in ZooKeeper at the last admission. */
  stateBytes: number;
  /** Bytes one admission's write sent on average (new chunks and the pointer). */
  writtenBytesPerAdmission: number;
  registryP50Ms: number;
  registryP99Ms: number;
  bareP50Ms: number;
  bareP99Ms: number;
  /** registryP50Ms / bareP50Ms. */
  ratio: number;
}

export interface ZkRegistryResult {
  inline: ZkRegistryPhase;
  chunked: ZkRegistryPhase;
}

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

/** An agent as a real one registers: the default resources of a 4-core host, a few attributes. */
function agentEntry(n: number): AgentEntry {
  return {
    id: `0b3c5e4a-7f1d-4d2e-9a61-3f0c2b1e${String(n).padStart(4, '0')}-S${n}`,
    hostname: `worker-${n}.dc1.example.com`,
    port: 5051,
    pid: `slave(1)@10.1.${(n >> 8) & 255}.${n & 255}:5051`,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*' },
      { name: 'mem', type: 'SCALAR', scalar: { value: 15_360 }, role: '*' },
      { name: 'disk', type: 'SCALAR', scalar: { value: 92_000 }, role: '*' },
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31_000, end: 32_000 }] }, role: '*' },
    ],
    attributes: [
      { name: 'rack', type: 'TEXT', text: { value: `rack-${n % 40}` } },
      { name: 'zone', type: 'TEXT', text: { value: `zone-${n % 3}` } },
    ],
    registeredTime: 1_700_000_000_000 + n,
  };
}

export async function zkRegistryBench(options: { agents: number; largeAgents: number; runs: number }): Promise<ZkRegistryResult> {
  const zk = await ZooKeeperCluster.standalone();
  try {
    const url = parseZkUrl(zk.url('/mesos'));
    if (!url.ok) throw new Error(url.error);
    const log = process.env.BENCH_DEBUG ? pino({ level: 'debug' }) : silentLogger();
    const session = await connectSession({ url: url.value, sessionTimeoutMs: 10_000, connectTimeoutMs: 30_000, log });
    try {
      const candidacy = await new MasterContender(session, '/mesos', {
        id: 'bench',
        ip: 16777343,
        port: 5050,
        pid: 'master@127.0.0.1:5050',
        hostname: 'bench',
      }).contend();
      if (!(await candidacy.elected)) throw new Error('the bench master was not elected');
      const registry = await Registry.openZk({
        session,
        group: '/mesos',
        candidacyPath: candidacy.path,
        localDir: mkdtempSync(path.join(os.tmpdir(), 'bench-zk-registry-')),
        limits: { maxCompletedFrameworks: 50, maxCompletedTasksPerFramework: 1000 },
        log,
        onFenced: (reason) => {
          throw new Error(`fenced: ${reason}`);
        },
      });
      // Bare writes: as many znodes as a write may send pieces.
      const bare = Array.from({ length: 64 }, (_, i) => `/bench-bare-${i}`);
      for (const p of bare) await session.create(p);
      const admit = (n: number) =>
        new Promise<void>((resolve, reject) => registry.apply({ op: 'ADMIT_AGENT', agent: agentEntry(n) }, resolve, reject));
      const at = { pointer: pointerPath('/mesos'), writer: candidacy.path };
      /** The chunks the pointer names now. */
      const current = async () => {
        const p = decodePointer((await session.getData(at.pointer)).data, at.pointer);
        return new Set(p && 'chunks' in p ? p.chunks : []);
      };
      let next = 0;
      const phase = async (count: number): Promise<ZkRegistryPhase> => {
        const reg: number[] = [];
        const raw: number[] = [];
        const from = registry.state.agents.size;
        let bytes = 0;
        let written = 0;
        let chunks = await current();
        let layout: PieceLayout[] = [];
        for (let i = 0; i < count; i++) {
          const t0 = performance.now();
          await admit(next++);
          reg.push(performance.now() - t0);
          // The deletion of replaced chunks goes on after the answer; the bare write waits for it.
          await registry.flushed();
          // What that write sent (the state is as it left it): the new chunks and the pointer,
          // found as the registry finds them (the bench's own CPU before the bare write is then
          // the registry's: a 3 MB digest right before it slowed the bare write by half).
          const segments = zkStateSegments(registry.state);
          const plan = planWrite(segments, at, DEFAULT_ZK_LIMITS, fenceBytes(at.writer), chunks, layout);
          const pieces = [...plan.staging.flat().map((op) => (op as { data: Buffer }).data), plan.pointer];
          chunks = new Set(plan.chunks);
          layout = plan.layout;
          bytes = segments.reduce((sum, seg) => sum + seg.length, 0);
          written += pieces.reduce((sum, piece) => sum + piece.length, 0);
          const t1 = performance.now();
          // Sent together, as the registry sends its chunks.
          await Promise.all(pieces.map((piece, j) => session.setData(bare[j]!, piece)));
          raw.push(performance.now() - t1);
        }
        await registry.flushed();
        reg.sort((a, b) => a - b);
        raw.sort((a, b) => a - b);
        return {
          admissions: count,
          agentsFrom: from + 1,
          agentsTo: registry.state.agents.size,
          stateBytes: bytes,
          writtenBytesPerAdmission: written / count,
          registryP50Ms: quantile(reg, 0.5),
          registryP99Ms: quantile(reg, 0.99),
          bareP50Ms: quantile(raw, 0.5),
          bareP99Ms: quantile(raw, 0.99),
          ratio: quantile(reg, 0.5) / quantile(raw, 0.5),
        };
      };
      const inline = await phase(options.agents);
      // Preloaded in one group commit, then measured one admission at a time.
      while (registry.state.agents.size < options.largeAgents) registry.apply({ op: 'ADMIT_AGENT', agent: agentEntry(next++) });
      await registry.flushed();
      const chunked = await phase(options.runs);
      return { inline, chunked };
    } finally {
      await session.close();
    }
  } finally {
    await zk.stop();
  }
}

export function describeZkRegistry(r: ZkRegistryResult): string[] {
  const line = (name: string, p: ZkRegistryPhase) =>
    `registry in ZooKeeper, ${name}: agent admission p50 ${p.registryP50Ms.toFixed(2)} ms, p99 ${p.registryP99Ms.toFixed(2)} ms (${p.admissions} admissions, ${p.agentsFrom}-${p.agentsTo} agents, state ${(p.stateBytes / 1024).toFixed(0)} KiB, ${(p.writtenBytesPerAdmission / 1024).toFixed(0)} KiB sent per write); bare setData of the same bytes p50 ${p.bareP50Ms.toFixed(2)} ms, p99 ${p.bareP99Ms.toFixed(2)} ms; ratio ${p.ratio.toFixed(2)}x`;
  return [line('in the pointer', r.inline), line('in chunks', r.chunked)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  zkRegistryBench({
    agents: Number(arg('zk_agents', '200')),
    largeAgents: Number(arg('zk_large_agents', '5000')),
    runs: Number(arg('zk_runs', '50')),
  }).then(
    (r) =>
      process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(r, null, 2)}\n` : `${describeZkRegistry(r).join('\n')}\n`),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
