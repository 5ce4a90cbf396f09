// GET/HEAD /agent/<agent-id>/<path>: the master reads one of an agent's read endpoints for the
// caller (the web UI), so that browsers need neither a route to the agents' port nor trust in
// their certificates nor a second login. The agent checks the caller's own Authorization header;
// the answer streams back as it arrives, at the pace the caller reads it.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import { methodNotAllowed, sendText } from '../common/http.ts';
import { clientOptions, explainTlsError } from '../common/tls-material.ts';
import { processTls } from '../common/tls-process.ts';
import {
  type AgentHttpAddress,
  agentHttpAddress,
  formatAddress,
  forwardedRequestHeaders,
  forwardedResponseHeaders,
  parseAgentProxyUrl,
} from './agent-proxy-route.ts';

/** An agent that does not accept the connection within this is reported unreachable (502). */
export const AGENT_CONNECT_TIMEOUT_MS = 5_000;
/** An agent that accepted but sends no response head within this is reported as not answering (504). */
export const AGENT_ANSWER_TIMEOUT_MS = 30_000;

export interface ProxiedAgent {
  pid?: string | undefined;
  hostname: string;
  port?: number | undefined;
}

export interface AgentProxyOptions {
  connectTimeoutMs?: number;
  answerTimeoutMs?: number;
}

// Pooled, so a UI polling an agent every second reuses its connection.
const plainPool = new http.Agent({ keepAlive: true, maxSockets: 64 });
let tlsPool: https.Agent | undefined;

function upstreamRequest(to: AgentHttpAddress, options: http.RequestOptions): http.ClientRequest {
  const material = processTls();
  if (material === undefined) return http.request({ ...options, host: to.host, port: to.port, agent: plainPool });
  tlsPool ??= new https.Agent({ keepAlive: true, maxSockets: 64 });
  return https.request({ ...clientOptions(material, to.host), ...options, host: to.host, port: to.port, agent: tlsPool });
}

export function agentProxyHandler(
  agents: () => ReadonlyMap<string, ProxiedAgent>,
  opts: AgentProxyOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const connectTimeoutMs = opts.connectTimeoutMs ?? AGENT_CONNECT_TIMEOUT_MS;
  const answerTimeoutMs = opts.answerTimeoutMs ?? AGENT_ANSWER_TIMEOUT_MS;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, ['GET', 'HEAD'], req.method);
    // express may rewrite req.url on the way; originalUrl is what the caller asked for.
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const target = parseAgentProxyUrl(url);
    if (!target.ok) return sendText(res, 404, target.message);
    const agent = agents().get(target.agentId);
    if (agent === undefined) return sendText(res, 404, `No agent with id ${target.agentId}`);
    const to = agentHttpAddress(agent);
    const where = `agent ${target.agentId} at ${formatAddress(to)}`;

    const options = { method: req.method, path: target.path, headers: forwardedRequestHeaders(req.headers) };
    let upstream: http.ClientRequest | undefined;
    let failure: { status: number; message: string } | undefined;
    let answered = false;
    let connectTimer: NodeJS.Timeout | undefined;
    // Both timers only ever end a request that has no answer yet.
    const fail = (status: number, message: string) => {
      if (answered) return;
      failure ??= { status, message };
      upstream?.destroy(new Error(message));
    };
    const stopTimers = () => {
      clearTimeout(answerTimer);
      clearTimeout(connectTimer);
    };
    const answerTimer = setTimeout(
      () => fail(504, `Agent ${target.agentId} at ${formatAddress(to)} did not answer within ${answerTimeoutMs / 1000} s`),
      answerTimeoutMs,
    );
    // The caller went away: so does the request to the agent (a large download stops there).
    res.on('close', () => {
      stopTimers();
      if (!res.writableFinished) upstream?.destroy();
    });

    const send = (isRetry: boolean) => {
      let request: http.ClientRequest;
      try {
        request = upstreamRequest(to, options);
      } catch (err) {
        // Node refuses a path with characters a request line cannot carry.
        stopTimers();
        sendText(res, 400, `Cannot forward to ${where}: ${(err as Error).message}`);
        return;
      }
      upstream = request;
      request.on('socket', (socket) => {
        // A pooled connection is already open.
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () => fail(502, `Cannot reach ${where}: no connection within ${connectTimeoutMs / 1000} s`),
          connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      request.on('error', (err) => {
        // A pooled connection the agent had closed (it restarted, or timed the connection
        // out) fails at once: these reads are idempotent, so they go once more on a new one.
        const stale = request.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET';
        if (stale && !isRetry && !answered && failure === undefined && !res.destroyed) {
          send(true);
          return;
        }
        stopTimers();
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (res.destroyed) return;
        const f = failure ?? { status: 502, message: `Cannot reach ${where}: ${explainTlsError(err).message}` };
        sendText(res, f.status, f.message.replace(/\s*\n\s*/g, ' '));
      });
      request.on('response', (answer) => {
        answered = true;
        stopTimers();
        res.writeHead(answer.statusCode ?? 502, forwardedResponseHeaders(answer.headers));
        // pipeline pauses the agent's answer while the caller's socket is full, and tears both
        // down if either side fails.
        pipeline(answer, res, () => undefined);
      });
      request.end();
    };
    send(false);
  };
}
