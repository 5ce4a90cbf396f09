// `mesos execute` / `mesos-execute`: a one-task framework. Subscribe, take the first offer that
// fits, launch, print every status update, acknowledge it, and exit when the task ends:
// 0 on TASK_FINISHED, 1 on any other terminal state (Apache Mesos exits 0 either way; a script
// needs to know). With --master=zk://... it follows the leading master, as Mesos's scheduler
// library does: on a new leader (or a broken stream, or a 307 from a master that does not lead)
// it subscribes again with its framework id, and its task goes on.
import { readFileSync } from 'node:fs';
import type { Endpoint } from '../common/http-client.ts';
import { LeadingMaster, endpointText, masterSourceText, parseMasterFlag } from '../common/leading-master.ts';
import {
  isTerminalState,
  type Offer,
  type OfferOperation,
  type SchedulerCall,
  type mesos,
  type TaskState,
  type TaskStatus,
} from '../common/mesos.ts';
import { loadProgramFlags } from '../common/program.ts';
import { format } from '../common/resources.ts';
import { SchedulerCallError, SchedulerClient } from '../common/scheduler-client.ts';
import { basicAuthorization } from '../common/basic-auth.ts';
import { type ExecuteFlags, executeFlagDefs, loadExecuteFlags } from './execute-flags.ts';
import { type ExecutePlan, ExecuteUsageError, buildPlan, offerFits } from './execute-task.ts';

const USAGE = `--master=HOST:PORT|zk://HOST:PORT,.../PATH --name=NAME --command=COMMAND [options]

Runs one command (or one task group) as a task on the cluster, prints its status updates and exits
when it ends: 0 when it finished, 1 when it failed, was killed or was lost.
With zk://... (or file:///etc/mesos/zk) it follows the leading master: when leadership moves, it
subscribes again with its framework id and the task goes on.
Example: mesos execute --master=127.0.0.1:5050 --name=whizbang --command="/bin/sleep 10"`;

/** How long to keep trying to subscribe again after the master connection broke. */
const RESUBSCRIBE_WINDOW_MS = 60_000;

/** How long to wait for ZooKeeper to name a leader before the first subscription. */
const FIRST_LEADER_MS = 60_000;

/** How long without a leader before saying why. */
const WAITING_LEADER_HINT_MS = 5_000;

/** How long to wait for an offer that fits before saying what is missing. */
const WAITING_HINT_MS = 10_000;

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runExecute(argv: string[], progName: string, io: Output = defaultOutput()): Promise<number> {
  const res = loadProgramFlags(progName, USAGE, executeFlagDefs, () => loadExecuteFlags({ argv, progName }));
  if (!res.ok) return res.exitCode;
  const flags = res.loaded.values;
  let plan: ExecutePlan;
  const source = parseMasterFlag(flags.master, (p) => readFileSync(p, 'utf8'));
  if (!source.ok) {
    io.err(`${progName}: invalid value for flag '--master': ${source.error}`);
    return 1;
  }
  try {
    plan = buildPlan(flags);
  } catch (err) {
    if (err instanceof ExecuteUsageError) {
      io.err(`${progName}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const leading = new LeadingMaster(source.value);
  try {
    return await new Execution(flags, plan, leading, io, progName).run();
  } finally {
    await leading.close();
  }
}

function defaultOutput(): Output {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

class Execution {
  private readonly client: SchedulerClient;
  private launched = false;
  private suppressed = false;
  private readonly states = new Map<string, TaskState>();
  private finish!: (code: number) => void;
  private readonly done: Promise<number>;
  private largestOffer?: Offer;
  private waitingTimer?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  private ended = false;
  private tearingDown = false;
  private resubscribing = false;

  constructor(
    private readonly flags: ExecuteFlags,
    private readonly plan: ExecutePlan,
    private readonly leading: LeadingMaster,
    private readonly io: Output,
    private readonly progName: string,
  ) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.client = new SchedulerClient({
      // Replaced by the leader before the first subscription when the leader is followed.
      master: leading.current ?? { host: '', port: 0 },
      format: flags.content_type === 'json' ? 'json' : 'protobuf',
      // As in Mesos, a --secret counts only with a --principal (which also goes in FrameworkInfo).
      authorization:
        flags.principal !== undefined && flags.secret !== undefined ? basicAuthorization(flags.principal, flags.secret) : undefined,
      onEvent: (e) => this.onEvent(e),
      onDisconnected: (err) => {
        if (this.ended || this.tearingDown) return;
        void this.resubscribe(`lost the connection to the master at ${this.where()}${err ? ` (${err.message})` : ''}`);
      },
    });
  }

  private where(): string {
    return endpointText(this.client.master);
  }

  /** The subscription follows the leader once there is one (Mesos: `detected()`). */
  private onLeader(endpoint: Endpoint | undefined): void {
    if (this.ended || this.tearingDown || endpoint === undefined || this.resubscribing) return;
    if (endpoint.host === this.client.master.host && endpoint.port === this.client.master.port) return;
    const from = this.where();
    this.client.close();
    void this.resubscribe(`the leading master moved from ${from} to ${endpointText(endpoint)}`);
  }

  /**
   * The first leader ZooKeeper names, or undefined after FIRST_LEADER_MS (or once interrupted);
   * why none is known yet is said once, after a few seconds.
   */
  private async firstLeader(): Promise<Endpoint | undefined> {
    const started = Date.now();
    let told = false;
    while (this.leading.current === undefined && !this.ended && Date.now() - started < FIRST_LEADER_MS) {
      await this.leading.changed(250);
      if (!told && this.leading.current === undefined && Date.now() - started >= WAITING_LEADER_HINT_MS) {
        told = true;
        const why = this.leading.problem ?? 'no master leads there yet';
        this.io.err(`Waiting for a leading master in ${masterSourceText(this.leading.source)}: ${why}`);
      }
    }
    return this.leading.current;
  }

  async run(): Promise<number> {
    const stopOnSignal = () => {
      this.io.err(`${this.progName}: interrupted; tearing down the framework`);
      void this.teardownAndExit(130);
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    this.leading.start();
    const first = await this.firstLeader();
    if (this.ended) return this.waitForEnd(stopOnSignal);
    if (first === undefined) {
      const why = this.leading.problem ?? 'no master leads there (has one joined the group?)';
      this.io.err(
        `${this.progName}: no leading master found in ${masterSourceText(this.leading.source)} within ${FIRST_LEADER_MS / 1000}s: ${why}`,
      );
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      return 1;
    }
    this.client.master = first;
    this.leading.on('leader', (endpoint) => this.onLeader(endpoint));
    try {
      await this.client.subscribe(this.plan.framework);
    } catch (err) {
      const refused = err instanceof SchedulerCallError && err.status >= 400 && err.status < 500;
      if (this.leading.follows && !refused) {
        // The leader named in ZooKeeper may not know it leads yet, or be gone already.
        void this.resubscribe(`could not subscribe with the master at ${this.where()} (${(err as Error).message})`);
        return this.waitForEnd(stopOnSignal);
      }
      const e = err as NodeJS.ErrnoException;
      const why =
        err instanceof SchedulerCallError
          ? `the master refused the subscription (HTTP ${err.status}): ${err.message}${err.status === 401 ? authenticationHint(this.flags) : ''}`
          : e.code === 'ECONNREFUSED'
            ? 'connection refused (is mesos-master running there? check --master)'
            : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
              ? `cannot resolve host '${this.client.master.host}' (check --master)`
              : e.message;
      this.io.err(`${this.progName}: failed to subscribe with the master at ${this.where()}: ${why}`);
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      return 1;
    }
    return this.waitForEnd(stopOnSignal);
  }

  private async waitForEnd(stopOnSignal: () => void): Promise<number> {
    if (!this.ended) this.waitingTimer = setTimeout(() => this.explainWaiting(), WAITING_HINT_MS);
    const code = await this.done;
    clearTimeout(this.waitingTimer);
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    return code;
  }

  /**
   * The stream broke (master restarting?) or the leader moved: subscribe again with the
   * framework id, with the leader of the moment, for a while.
   */
  private async resubscribe(why: string): Promise<void> {
    if (this.resubscribing || this.ended) return;
    this.resubscribing = true;
    this.io.err(`${this.progName}: ${why}; subscribing again`);
    const deadline = Date.now() + RESUBSCRIBE_WINDOW_MS;
    let delay = 100;
    try {
      while (!this.ended && Date.now() < deadline) {
        const master = this.leading.current;
        if (master !== undefined) {
          this.client.master = master;
          try {
            const id = this.client.frameworkId;
            await this.client.subscribe({ ...this.plan.framework, ...(id ? { id: { value: id } } : {}) });
            return;
          } catch (e) {
            // 503: a master still recovering or not yet leading; 307 loops: the leader moving.
            if (e instanceof SchedulerCallError && e.status >= 400 && e.status < 500) {
              this.end(1, `${this.progName}: the master at ${this.where()} refused the framework again (HTTP ${e.status}): ${e.message}`);
              return;
            }
          }
        }
        // A new leader ends the wait at once.
        await this.leading.changed(delay);
        delay = Math.min(delay * 2, 2000);
      }
      const where = this.leading.follows ? `a leading master in ${masterSourceText(this.leading.source)}` : `the master at ${this.where()}`;
      this.end(1, `${this.progName}: could not reach ${where} again within ${RESUBSCRIBE_WINDOW_MS / 1000}s`);
    } finally {
      this.resubscribing = false;
    }
    // The leader moved while this master was being subscribed with.
    if (this.leading.current) this.onLeader(this.leading.current);
  }

  private end(code: number, message?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (message) this.io.err(message);
    if (this.waitingTimer) clearTimeout(this.waitingTimer);
    if (this.killTimer) clearTimeout(this.killTimer);
    this.client.close();
    this.finish(code);
  }

  private async teardownAndExit(code: number): Promise<void> {
    this.tearingDown = true;
    try {
      await this.client.call({ type: 'TEARDOWN' });
    } catch {
      // The master forgets a disconnected framework anyway (failover_timeout 0).
    }
    this.end(code);
  }

  private explainWaiting(): void {
    if (this.launched || this.ended) return;
    const largest = this.largestOffer ? format(this.largestOffer.resources ?? []) : 'none yet (is an agent registered?)';
    this.io.err(`Waiting for an offer with ${format(this.plan.needed)}; largest offer so far: ${largest}`);
  }

  private onEvent(event: mesos.v1.scheduler.Event): void {
    switch (event.type) {
      case 'SUBSCRIBED':
        if (event.subscribed) this.io.out(`Subscribed with ID ${event.subscribed.framework_id.value}`);
        break;
      case 'OFFERS':
        void this.onOffers(event.offers?.offers ?? []);
        break;
      case 'UPDATE':
        if (event.update) void this.onUpdate(event.update.status);
        break;
      case 'ERROR':
        this.end(1, `Received an ERROR event: ${event.error?.message ?? ''}`);
        break;
      case 'FAILURE': {
        const agentId = event.failure?.agent_id;
        if (agentId) this.io.out(`Agent '${agentId.value}' was lost`);
        break;
      }
      default:
        break;
    }
  }

  private async onOffers(offers: Offer[]): Promise<void> {
    const decline: Offer[] = [];
    for (const offer of offers) {
      const resources = offer.resources ?? [];
      if (!this.launched && offerFits(resources, this.plan.needed)) {
        this.launched = true;
        await this.launch(offer);
        continue;
      }
      if (!this.launched && (!this.largestOffer || resources.length >= (this.largestOffer.resources ?? []).length))
        this.largestOffer = offer;
      decline.push(offer);
    }
    if (decline.length > 0) {
      await this.safeCall({
        type: 'DECLINE',
        decline: { offer_ids: decline.map((o) => o.id), filters: { refuse_seconds: this.launched ? 3600 : 1 } },
      });
    }
    if (this.launched && !this.suppressed) {
      this.suppressed = true;
      await this.safeCall({ type: 'SUPPRESS', suppress: {} });
    }
  }

  private async launch(offer: Offer): Promise<void> {
    const agentId = offer.agent_id;
    const tasks = this.plan.tasks.map((t) => ({ ...t, agent_id: agentId }));
    for (const t of tasks) this.states.set(t.task_id.value, 'TASK_STAGING');
    const operation: OfferOperation = this.plan.executor
      ? {
          type: 'LAUNCH_GROUP',
          launch_group: {
            executor: { ...this.plan.executor, framework_id: { value: this.client.frameworkId! } },
            task_group: { tasks },
          },
        }
      : { type: 'LAUNCH', launch: { task_infos: tasks } };
    const ok = await this.safeCall({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [operation], filters: { refuse_seconds: 3600 } },
    });
    if (!ok) return;
    const names = tasks.map((t) => t.name).join("', '");
    this.io.out(`Submitted task${tasks.length > 1 ? ' group with tasks' : ''} '${names}' to agent '${agentId.value}'`);
  }

  private async onUpdate(status: TaskStatus): Promise<void> {
    const id = status.task_id.value;
    const lines = [`Received status update ${status.state} for task '${id}'`];
    if (status.message) lines.push(`  message: '${status.message}'`);
    if (status.source) lines.push(`  source: ${status.source}`);
    if (status.reason) lines.push(`  reason: ${status.reason}`);
    if (status.healthy !== undefined) lines.push(`  healthy?: ${status.healthy}`);
    this.io.out(lines.join('\n'));
    const ours = this.states.has(id);
    if (ours) this.states.set(id, status.state);
    const allDone = ours && [...this.states.values()].every((s) => isTerminalState(s));
    if (status.uuid && status.agent_id) {
      const ack: SchedulerCall = {
        type: 'ACKNOWLEDGE',
        acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
      };
      // The last acknowledgement need not be waited for: TEARDOWN, sent next, ends the framework
      // and with it every update still owed (and may reach the master first).
      if (allDone) this.client.call(ack).catch(() => undefined);
      // An acknowledgement lost with the connection (the master going away) is harmless: the
      // agent sends the update again until one arrives, and the stream subscribes again.
      else {
        await this.client.call(ack).catch((err: unknown) => {
          if (err instanceof SchedulerCallError && !this.ended) this.end(1, `${this.progName}: ${err.message}`);
        });
      }
    }
    if (!ours) return;
    if (status.state === 'TASK_RUNNING' && this.flags.kill_after !== undefined && !this.killTimer) {
      this.killTimer = setTimeout(() => {
        void this.safeCall({ type: 'KILL', kill: { task_id: status.task_id, ...(status.agent_id ? { agent_id: status.agent_id } : {}) } });
      }, this.flags.kill_after * 1000);
    }
    if (allDone) await this.teardownAndExit([...this.states.values()].every((s) => s === 'TASK_FINISHED') ? 0 : 1);
  }

  /** A call that must not crash the program: failures are printed, the run ends with 1. */
  private async safeCall(call: Omit<SchedulerCall, 'framework_id'>): Promise<boolean> {
    try {
      await this.client.call(call);
      return true;
    } catch (err) {
      if (!this.ended) this.end(1, `${this.progName}: ${(err as Error).message}`);
      return false;
    }
  }
}

/** What to change when the master asks for credentials. */
function authenticationHint(flags: ExecuteFlags): string {
  if (flags.principal === undefined || flags.secret === undefined)
    return ' (pass --principal and --secret of a credential the master accepts)';
  return ` (check --principal and --secret against the master's --credentials)`;
}
