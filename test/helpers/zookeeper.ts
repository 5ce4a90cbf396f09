// Real ZooKeeper servers for tests: a standalone server or an ensemble of three on free loopback
// ports, each a JVM of the distribution's package (test/setup.sh installs Debian's or Fedora's
// `zookeeper`) started as `java -cp ... QuorumPeerMain zoo.cfg`, with its dataDir (holding
// `myid`) and log under a temp dir. Nodes can be killed and started again; everything is killed
// when the test process exits.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, sleep, tempDir } from './cluster.ts';

/** Where distributions put ZooKeeper's jar and the libraries it needs (Debian; Fedora's own dir). */
const JAR_DIRS = ['/usr/share/java', '/usr/share/java/zookeeper'];

/**
 * Ticks of 500 ms: ZooKeeper grants sessions of 2 to 20 ticks, so tests can ask for 1 s and
 * Mesos's default 10 s is still within reach.
 */
export const TICK_MS = 500;

/** The classpath: every jar of the package's directory (the server's dependencies are there). */
export function classpath(): string | undefined {
  for (const dir of JAR_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    if (!names.some((n) => /^zookeeper(-\d[\d.]*)?\.jar$/.test(n))) continue;
    // Several SLF4J bindings live there; naming slf4j-simple first makes it the one used, so
    // the server's log (on stderr) lands in the node's log file.
    const simple = path.join(dir, 'slf4j-simple.jar');
    return [...(existsSync(simple) ? [simple] : []), `${dir}/*`].join(':');
  }
  return undefined;
}

/** Why ZooKeeper tests cannot run here, or undefined when they can. */
export function zookeeperUnavailable(): string | undefined {
  if (spawnSync('java', ['-version']).error)
    return 'no java on PATH (run test/setup.sh as root: it installs the zookeeper package and a JRE)';
  if (!classpath()) return `no ZooKeeper jar in ${JAR_DIRS.join(' or ')} (run test/setup.sh as root: it installs the zookeeper package)`;
  return undefined;
}

export interface ZkNode {
  /** 1-based, as in `server.N` and `myid`. */
  id: number;
  clientPort: number;
  dir: string;
  log: string;
  proc?: ChildProcess;
}

export interface ClusterOptions {
  tickMs?: number;
  /** Client ports to use (one per node) instead of free ones picked here. */
  clientPorts?: number[];
}

/** Sends a four-letter command and returns the answer ('' when the server does not answer). */
export function fourLetter(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('connect', () => socket.write(command));
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

const running = new Set<ChildProcess>();
let exitHook = false;

function killAllOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const p of running) p.kill('SIGKILL');
  });
}

export class ZooKeeperCluster {
  /** Milliseconds from spawning the JVMs to every node serving. */
  startupMs = 0;

  private constructor(
    readonly nodes: ZkNode[],
    private readonly base: string,
  ) {}

  /** One server, `standalone` mode. */
  static standalone(options: ClusterOptions = {}): Promise<ZooKeeperCluster> {
    return ZooKeeperCluster.start(1, options);
  }

  /** Three servers in one quorum (`server.N=127.0.0.1:quorumPort:electionPort`). */
  static ensemble(options: ClusterOptions = {}): Promise<ZooKeeperCluster> {
    return ZooKeeperCluster.start(3, options);
  }

  private static async start(size: number, options: ClusterOptions): Promise<ZooKeeperCluster> {
    const unavailable = zookeeperUnavailable();
    if (unavailable) throw new Error(unavailable);
    const base = tempDir('zookeeper');
    const ports = await distinctPorts(size * 3);
    options.clientPorts?.forEach((port, i) => {
      ports[3 * i] = port;
    });
    const nodes: ZkNode[] = [];
    const servers =
      size === 1 ? [] : Array.from({ length: size }, (_, i) => `server.${i + 1}=127.0.0.1:${ports[3 * i + 1]}:${ports[3 * i + 2]}`);
    for (let i = 0; i < size; i++) {
      const dir = path.join(base, `zk${i + 1}`);
      const data = path.join(dir, 'data');
      mkdirSync(data, { recursive: true });
      writeFileSync(path.join(data, 'myid'), `${i + 1}\n`);
      const tick = options.tickMs ?? TICK_MS;
      writeFileSync(
        path.join(dir, 'zoo.cfg'),
        [
          `tickTime=${tick}`,
          'initLimit=10',
          'syncLimit=5',
          `dataDir=${data}`,
          `clientPort=${ports[3 * i]}`,
          'clientPortAddress=127.0.0.1',
          'admin.enableServer=false',
          '4lw.commands.whitelist=srvr,ruok,mntr,stat',
          // Small transaction log files: tests write little, and 64 MB each adds up.
          'preAllocSize=1024',
          ...servers,
          '',
        ].join('\n'),
      );
      nodes.push({ id: i + 1, clientPort: ports[3 * i]!, dir, log: path.join(dir, 'zookeeper.log') });
    }
    const cluster = new ZooKeeperCluster(nodes, base);
    const started = Date.now();
    for (const node of nodes) cluster.spawn(node);
    await Promise.all(nodes.map((n) => cluster.waitServing(n.id)));
    cluster.startupMs = Date.now() - started;
    return cluster;
  }

  private spawn(node: ZkNode): void {
    killAllOnExit();
    const fd = openSync(node.log, 'a');
    const proc = spawn(
      'java',
      [
        '-Xmx256m',
        // Startup speed over peak speed: these JVMs serve a few test clients.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-cp',
        classpath()!,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        path.join(node.dir, 'zoo.cfg'),
      ],
      { stdio: ['ignore', fd, fd], cwd: node.dir },
    );
    closeSync(fd);
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    node.proc = proc;
  }

  /** `host:port,...` of every node, as a ZooKeeper connect string. */
  get servers(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.clientPort}`).join(',');
  }

  /** A zk:// URL of the cluster with the given path (and `user:password@` credentials). */
  url(znode = '/mesos', credentials?: string): string {
    return `zk://${credentials ? `${credentials}@` : ''}${this.servers}${znode}`;
  }

  node(id: number): ZkNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no ZooKeeper node ${id}`);
    return node;
  }

  /** Waits until the node answers `srvr` with a mode (standalone, leader or follower). */
  async waitServing(id: number, timeoutMs = 60_000): Promise<string> {
    const node = this.node(id);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await fourLetter(node.clientPort, 'srvr');
      const mode = /^Mode: (\S+)/m.exec(answer)?.[1];
      if (mode) return mode;
      if (node.proc?.exitCode !== null && node.proc?.exitCode !== undefined) {
        throw new Error(`ZooKeeper node ${id} exited (${node.proc.exitCode}); log ${node.log}:\n${tail(node.log)}`);
      }
      if (Date.now() > deadline)
        throw new Error(`ZooKeeper node ${id} not serving after ${timeoutMs} ms; log ${node.log}:\n${tail(node.log)}`);
      await sleep(50);
    }
  }

  /** The node's mode as `srvr` reports it, or undefined when it is not serving. */
  async mode(id: number): Promise<string | undefined> {
    return /^Mode: (\S+)/m.exec(await fourLetter(this.node(id).clientPort, 'srvr'))?.[1];
  }

  /** Kills one node (SIGKILL by default) and waits until it is gone. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.node(id).proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  }

  /** Sends a signal to a running node (SIGSTOP pauses it: connections stay open, nothing answers). */
  signal(id: number, signal: NodeJS.Signals): void {
    this.node(id).proc?.kill(signal);
  }

  /** Starts a killed node again (same port and data) and waits until it serves. */
  async restart(id: number): Promise<void> {
    await this.kill(id);
    this.spawn(this.node(id));
    await this.waitServing(id);
  }

  /** Kills every node; the temp dir goes when the test process exits. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.id)));
  }

  /** Where the nodes' files are. */
  get dir(): string {
    return this.base;
  }
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
