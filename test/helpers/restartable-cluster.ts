// A master restarted in place and one agent, as a fixture of the test files that break the master
// (kill -9, SIGTERM) and check what survives.
import { after, before } from 'node:test';
import { type Daemon, freePort, startAgent, startMaster, tempDir } from './cluster.ts';

/**
 * For tests that break the master: a master on a fixed port and work dir (so that it can be
 * stopped and started again in place, its registry kept) and one agent, started before the
 * file's tests and stopped after them.
 */
export interface RestartableCluster {
  master: Daemon;
  agent: Daemon;
  port: number;
  /** Signals the master and waits for it to exit; returns it (its output holds its last words). */
  stopMaster(signal: NodeJS.Signals): Promise<Daemon>;
  /** Starts the master again on the same port and work dir. */
  relaunchMaster(): Promise<Daemon>;
}

export function restartableCluster(prefix: string): RestartableCluster {
  let workDir = '';
  const cluster = {
    port: 0,
    async stopMaster(signal: NodeJS.Signals): Promise<Daemon> {
      const old = cluster.master;
      old.proc.kill(signal);
      await old.waitExit();
      return old;
    },
    async relaunchMaster(): Promise<Daemon> {
      cluster.master = await startMaster(['--allocation_interval=50ms'], {}, { port: cluster.port, workDir });
      return cluster.master;
    },
  } as RestartableCluster;
  before(async () => {
    cluster.port = await freePort();
    workDir = tempDir(prefix);
    await cluster.relaunchMaster();
    cluster.agent = await startAgent(cluster.master, [
      '--registration_backoff_factor=50ms',
      '--resources=cpus:8;mem:8192;disk:10000;ports:[31000-32000]',
    ]);
  });
  after(async () => {
    await cluster.agent?.stop();
    await cluster.master?.stop();
  });
  return cluster;
}
