// POST /master/internal/agent: the agents' side of the master. REGISTER opens the stream of
// master -> agent messages; the agent's messages come as separate POSTs naming the agent and the
// stream, or the frequent ones on the registration's own request (see common/agent-protocol.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AGENT_ID_HEADER,
  AGENT_STREAM_TYPES,
  type AgentToMaster,
  type MasterToAgent,
  type RegisterMessage,
  STREAM_ID_HEADER,
} from '../common/agent-protocol.ts';
import { APPLICATION_JSON, sendText, startRecordIOStream } from '../common/http.ts';
import { newUuid } from '../common/ids.ts';
import { RecordIODecoder } from '../common/recordio.ts';
import { peerAddress, recordStream } from '../common/stream-backlog.ts';
import { registerAgentRefusal } from './authorizer/checks.ts';
import type { PrincipalRequest } from '../common/http-auth.ts';
import { MAX_BODY_BYTES, logName } from './limits.ts';
import type { AgentLink } from './links.ts';
import type { Master } from './master.ts';
import type { AgentRecord } from './records.ts';
import { registerMessageError } from './validation/agent-message.ts';

/** A request whose body was read (by the fast path or express.raw), with its authenticated principal. */
export type BodyRequest = PrincipalRequest & { body?: unknown };

function refuseAgent(master: Master, res: ServerResponse, why: string): void {
  master.log.warn(`Refusing a request on the agents' endpoint: ${why}`);
  sendText(res, 403, why);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseBody(req: BodyRequest): { type?: string; [k: string]: unknown } | undefined {
  if (!Buffer.isBuffer(req.body)) return undefined;
  try {
    const v = JSON.parse(req.body.toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as { type?: string }) : undefined;
  } catch {
    return undefined;
  }
}

/** Registers an agent and turns the response into its stream of messages from the master. */
function registerOnStream(
  master: Master,
  msg: RegisterMessage,
  req: IncomingMessage,
  res: ServerResponse,
): { agentId: string; streamId: string } {
  const streamId = newUuid();
  startRecordIOStream(res, APPLICATION_JSON, { 'Mesos-Stream-Id': streamId });
  const limit = master.config.maxEventStreamBufferBytes;
  const remote = peerAddress(req.socket);
  let agentId: string | undefined;
  const overflow = (queued: number) =>
    master.log.warn(
      { agent: agentId },
      `Disconnecting agent ${agentId} (${logName(msg.register.hostname)}) at ${remote}: ${queued} bytes of messages wait for it, more than --max_event_stream_buffer_size=${limit} bytes; it may register again`,
    );
  const stream = recordStream(res, limit, overflow);
  const link: AgentLink = {
    send: (m: MasterToAgent) => {
      if (!res.destroyed) stream.send(JSON.stringify(m));
    },
    close: stream.end,
  };
  req.socket.setKeepAlive(true, 10_000);
  const id = master.registerAgent(msg.register, link, streamId, (req as PrincipalRequest).principal);
  agentId = id;
  res.on('close', () => master.agentDisconnected(id, streamId));
  return { agentId: id, streamId };
}

export function agentApiHandler(master: Master) {
  return (req: BodyRequest, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendText(res, 405, `Expecting a 'POST' request, received '${req.method}'`);
    }
    const msg = parseBody(req);
    if (!msg) return sendText(res, 400, 'Expecting a JSON object body');
    if (msg.type === 'REGISTER') {
      if (registerMessageError(msg)) return sendText(res, 400, 'Malformed REGISTER message');
      const { register } = msg as unknown as RegisterMessage;
      const refusal =
        master.agentRegistrationRefusal(register.agent_id, req.principal) ??
        registerAgentRefusal(master.config.authorizer, req.principal, register.resources);
      if (refusal) return refuseAgent(master, res, refusal);
      registerOnStream(master, msg as unknown as RegisterMessage, req, res);
      return;
    }
    const agentId = header(req, AGENT_ID_HEADER);
    const streamId = header(req, STREAM_ID_HEADER);
    const agent = agentId ? master.agents.get(agentId) : undefined;
    const refusal = agentId && master.agentRegistrationRefusal(agentId, req.principal);
    if (refusal) return refuseAgent(master, res, refusal);
    if (!agent || !streamId || agent.streamId !== streamId) {
      // The agent must (re-)register first; 409 tells it so without being an error to log.
      return sendText(res, 409, `Agent ${agentId ?? '(none)'} is not registered on stream ${streamId ?? '(none)'}`);
    }
    const problem = applyAgentMessage(master, agent, msg as unknown as AgentToMaster);
    if (problem) return sendText(res, 400, problem);
    res.writeHead(202).end();
  };
}

/**
 * POST /master/internal/agent with AGENT_STREAM_CONTENT_TYPE: one request per registration,
 * open both ways. The body is RecordIO: REGISTER first, then the agent's frequent messages, each
 * costing the master no request parsing and no response; the response is the master's stream to
 * the agent. It ends when either side ends it or the agent registers again on another stream.
 */
export function agentStreamHandler(master: Master) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const decoder = new RecordIODecoder(MAX_BODY_BYTES);
    let registered: { agentId: string; streamId: string } | undefined;
    let stopped = false;
    const stop = (status: number, why: string) => {
      if (stopped) return;
      stopped = true;
      if (registered) master.log.debug({ agent: registered.agentId }, `Stream of agent ${registered.agentId} ended: ${why}`);
      if (res.headersSent) res.end(() => req.destroy());
      else sendText(res, status, why);
      req.resume();
    };
    const register = (msg: unknown) => {
      if (registerMessageError(msg)) return stop(400, 'Malformed REGISTER message: the first record must be a REGISTER');
      const { register } = msg as RegisterMessage;
      const principal = (req as PrincipalRequest).principal;
      const refusal =
        master.agentRegistrationRefusal(register.agent_id, principal) ??
        registerAgentRefusal(master.config.authorizer, principal, register.resources);
      if (refusal) {
        master.log.warn(`Refusing the registration of an agent: ${refusal}`);
        return stop(403, refusal);
      }
      registered = registerOnStream(master, msg as RegisterMessage, req, res);
    };
    req.on('data', (chunk: Buffer) => {
      if (stopped) return;
      let records: Buffer[];
      try {
        records = decoder.decode(chunk);
      } catch (err) {
        return stop(400, `Malformed RecordIO: ${(err as Error).message}`);
      }
      for (const record of records) {
        let msg: AgentToMaster | RegisterMessage;
        try {
          msg = JSON.parse(record.toString('utf8')) as AgentToMaster | RegisterMessage;
        } catch {
          return stop(400, 'A record is not JSON');
        }
        if (!registered) {
          register(msg);
          if (stopped) return;
          continue;
        }
        const agent = master.agents.get(registered.agentId);
        if (!agent || agent.streamId !== registered.streamId) return stop(409, 'the agent registered again on another stream');
        const problem = AGENT_STREAM_TYPES.has(msg?.type)
          ? applyAgentMessage(master, agent, msg as AgentToMaster)
          : `'${String(msg?.type)}' is not sent on the registration's stream`;
        if (problem) master.log.warn({ agent: agent.id }, `Dropping a message of agent ${agent.id}: ${problem}`);
      }
    });
    req.on('end', () => stop(400, 'closed by the agent'));
    req.on('error', () => undefined);
  };
}

/** Applies one message of a registered agent; returns a problem to report, if any. */
function applyAgentMessage(master: Master, agent: AgentRecord, m: AgentToMaster): string | undefined {
  switch (m.type) {
    case 'STATUS_UPDATE':
      master.statusUpdate(agent, m.status_update.framework_id, m.status_update.status);
      break;
    case 'STATUS_UPDATES':
      if (!Array.isArray(m.status_updates)) return "Expecting 'status_updates' to be an array";
      for (const u of m.status_updates) master.statusUpdate(agent, u.framework_id, u.status);
      break;
    case 'LATEST_STATE':
      master.latestState(agent, m.latest_state.framework_id, m.latest_state.task_id, m.latest_state.state);
      break;
    case 'PONG':
      master.pong(agent, m.pong.seq);
      break;
    case 'FRAMEWORK_MESSAGE': {
      master.messageFromExecutor(agent, m.framework_message.framework_id, m.framework_message.executor_id, m.framework_message.data);
      break;
    }
    case 'EXECUTOR_EXITED':
      master.executorExited(agent, m.executor_exited.framework_id, m.executor_exited.executor_id, m.executor_exited.status);
      break;
    default:
      return `Unknown agent message type '${String((m as { type?: unknown }).type)}'`;
  }
  return undefined;
}
