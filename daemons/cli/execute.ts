// `mesos execute` / `mesos-execute`: a one-task framework. Subscribe, take the first offer that
// fits, launch, print every status update, acknowledge it, and exit when the task ends:
// 0 on TASK_FINISHED, 1 on any other terminal state (Apache Mesos exits 0 either way; a script
// needs to know).
import { MasterAddressError, parseMasterAddress } from '../common/http-client.ts';
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
import { type ExecuteFlags, executeFlagDefs, loadExecuteFlags } from './execute-flags.ts';
import { type ExecutePlan, ExecuteUsageError, buildPlan, offerFits } from './execute-task.ts';

const USAGE = `--master=HOST:PORT --name=NAME --command=COMMAND [options]

Runs one command (or one task group) as a task on the cluster, prints its status updates and exits
when it ends: 0 when it finished, 1 when it failed, was killed or was lost.
Example: mesos execute --master=127.0.0.1:5050 --name=whizbang --command="/bin/sleep 10"`;

/** How long to keep trying to subscribe again after the master connection broke. */
const RESUBSCRIBE_WINDOW_MS = 60_000;

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
  let master: ReturnType<typeof parseMasterAddress>;
  try {
    master = parseMasterAddress(flags.master);
    plan = buildPlan(flags);
  } catch (err) {
    if (err instanceof ExecuteUsageError || err instanceof MasterAddressError) {
      io.err(`${progName}: ${err.message}`);
      return 1;
    }
    throw err;
  }
  return new Execution(flags, plan, master, io, progName).run();
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

  constructor(
    private readonly flags: ExecuteFlags,
    private readonly plan: ExecutePlan,
    private readonly master: { host: string; port: number },
    private readonly io: Output,
    private readonly progName: string,
  ) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.client = new SchedulerClient({
      master,
      format: flags.content_type === 'json' ? 'json' : 'protobuf',
      onEvent: (e) => this.onEvent(e),
      onDisconnected: (err) => {
        if (this.ended || this.tearingDown) return;
        void this.resubscribe(err);
      },
    });
  }

  async run(): Promise<number> {
    const stopOnSignal = () => {
      this.io.err(`${this.progName}: interrupted; tearing down the framework`);
      void this.teardownAndExit(130);
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    try {
      await this.client.subscribe(this.plan.framework);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why =
        err instanceof SchedulerCallError
          ? `the master refused the subscription (HTTP ${err.status}): ${err.message}`
          : e.code === 'ECONNREFUSED'
            ? 'connection refused (is mesos-master running there? check --master)'
            : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
              ? `cannot resolve host '${this.master.host}' (check --master)`
              : e.message;
      this.io.err(`${this.progName}: failed to subscribe with the master at ${this.master.host}:${this.master.port}: ${why}`);
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      return 1;
    }
    this.waitingTimer = setTimeout(() => this.explainWaiting(), WAITING_HINT_MS);
    const code = await this.done;
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    return code;
  }

  /** The stream broke (master restarting?): subscribe again with the framework id, for a while. */
  private async resubscribe(err: Error | undefined): Promise<void> {
    const where = `${this.master.host}:${this.master.port}`;
    this.io.err(`${this.progName}: lost the connection to the master at ${where}${err ? ` (${err.message})` : ''}; subscribing again`);
    const deadline = Date.now() + RESUBSCRIBE_WINDOW_MS;
    let delay = 100;
    while (!this.ended && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
      try {
        const id = this.client.frameworkId;
        await this.client.subscribe({ ...this.plan.framework, ...(id ? { id: { value: id } } : {}) });
        return;
      } catch (e) {
        if (e instanceof SchedulerCallError && e.status >= 400 && e.status < 500) {
          this.end(1, `${this.progName}: the master at ${where} refused the framework again (HTTP ${e.status}): ${e.message}`);
          return;
        }
      }
    }
    this.end(1, `${this.progName}: could not reach the master at ${where} again within ${RESUBSCRIBE_WINDOW_MS / 1000}s`);
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
