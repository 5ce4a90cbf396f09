// The master's HTTP routes: v1 scheduler API, the agents' internal endpoint, the legacy
// read-only endpoints under /master/* (plus their short aliases) that tools and the web UI use,
// /files/* for the master's log, and /agent/<id>/... that reads an agent's endpoints for the web UI.
import type { RequestListener, Server, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AGENT_ENDPOINT, AGENT_STREAM_CONTENT_TYPE } from '../common/agent-protocol.ts';
import { AttachedPaths, attachDaemonLog, filesRouter } from '../common/files.ts';
import { BodyTooLargeError, methodNotAllowed, readBody, sendJson, sendText } from '../common/http.ts';
import { batchWritesPerTurn } from '../common/turn-writes.ts';
import { metricsPrometheusHandler, metricsSnapshotHandler } from '../common/metrics-endpoint.ts';
import { decodeQuery, requestQuery } from '../common/query.ts';
import { versionInfo } from '../common/version.ts';
import { type BodyRequest, agentApiHandler, agentStreamHandler } from './agent-api.ts';
import { agentProxyHandler } from './agent-proxy.ts';
import { endpointGuard } from '../common/authorizer/endpoints.ts';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';
import { viewerFor } from '../common/authorizer/views.ts';
import { type PrincipalRequest, authGate } from '../common/http-auth.ts';
import { endpointAllowed, teardownAllowed } from './authorizer/checks.ts';
import type { MasterAuth } from './http-auth.ts';
import { canonicalPath } from './endpoint-realms.ts';
import { MAX_BODY_BYTES } from './limits.ts';
import { followerMetricSet, masterMetricSet } from './metrics.ts';
import { schedulerApiHandler } from './scheduler-api.ts';
import { tasksPaging } from './tasks-query.ts';
import { type StateContext, frameworksJson, slavesJson, stateJson, tasksJson } from './state-json.ts';
import { rolesJson, stateSummaryJson } from './summary-json.ts';
import { webuiRouter } from './webui.ts';
import { LogVerbosity } from '../common/log-verbosity.ts';
import { operatorApiHandler } from '../common/operator-api.ts';
import { type OperatorContext, masterOperatorApi } from './operator-calls.ts';
import { operatorSubscription } from './operator-subscribe.ts';
import type { MasterInfo } from '../common/mesos.ts';
import { type Elsewhere, followerDecision, leaderOnly, redirectDecision } from './leader-routes.ts';

/** A query parameter as libprocess decodes it (the last of repeats, ';' a separator too). */
function queryString(req: Request, name: string): string | undefined {
  const query = requestQuery(req);
  return query.ok ? query.value.get(name) : undefined;
}

/** What every master serves itself, leading or not: its identity, flags and health. */
export interface OwnContext {
  flags: Record<string, string>;
  logFile?: string | undefined;
  buildTime: number;
}

function newApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  return app;
}

/** /health, /version, /flags: served by every master (Master::Http health, version, flags). */
function addOwnRoutes(app: express.Express, ctx: OwnContext): void {
  app.all(['/master/health', '/health'], (_req, res) => {
    res.status(200).end();
  });
  app.all(['/version', '/master/version'], (req, res) => sendJson(req, res, versionInfo(ctx.buildTime)));
  app.all(['/master/flags', '/flags'], (req, res) => sendJson(req, res, { flags: ctx.flags }));
}

/** The master's own log (the web UI's LOG link tails /files/read?path=/master/log), and the web UI. */
function addFilesAndWebui(app: express.Express, ctx: OwnContext, files = masterFiles(ctx)): void {
  app.use(filesRouter(files));
  app.use(webuiRouter({ dir: ctx.flags.webui_dir }));
}

/** What the master's /files serve: its own log. */
function masterFiles(ctx: OwnContext): AttachedPaths {
  const files = new AttachedPaths();
  attachDaemonLog(files, '/master/log', ctx.flags.external_log_file, ctx.logFile);
  return files;
}

/** The paths of the v1 operator API (Mesos routes it under the master's process too). */
const OPERATOR_PATHS = ['/api/v1', '/master/api/v1'];

/** The context of the operator calls, made once per listener: it holds the log level's revert timer. */
function operatorContext(ctx: StateContext): OperatorContext {
  return {
    ...ctx,
    files: masterFiles(ctx),
    logVerbosity: new LogVerbosity(ctx.master.log),
    subscribe: (_call, principal) => operatorSubscription(ctx.master, principal),
  };
}

export function createMasterApp(ctx: StateContext, operator = operatorContext(ctx)): express.Express {
  const master = ctx.master;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  guardEndpoints(app, master.config.authorizer);

  const scheduler = schedulerApiHandler(master);
  app.all(['/api/v1/scheduler', '/master/api/v1/scheduler'], rawBody, scheduler);
  app.all(AGENT_ENDPOINT, rawBody, agentApiHandler(master));
  app.all(OPERATOR_PATHS, rawBody, operatorApiHandler(masterOperatorApi(operator)));

  // The read endpoints answer any method, as libprocess routes do; Mesos checks the method only
  // where it matters (/master/teardown).
  // Under --acls each reader sees the frameworks and tasks view_frameworks and view_tasks let it.
  const as = (req: Request): StateContext => {
    const viewer = viewerFor(master.config.authorizer, (req as PrincipalRequest).principal);
    return viewer === undefined ? ctx : { ...ctx, viewer };
  };
  app.all(['/master/state', '/master/state.json', '/state', '/state.json'], (req, res) => sendJson(req, res, stateJson(as(req))));
  app.all(['/master/frameworks', '/frameworks'], (req, res) =>
    sendJson(req, res, frameworksJson(as(req), queryString(req, 'framework_id'))),
  );
  app.all(['/master/slaves', '/slaves'], (req, res) => sendJson(req, res, slavesJson(ctx, queryString(req, 'slave_id'))));
  app.all(['/master/tasks', '/tasks', '/master/tasks.json', '/tasks.json'], (req, res) => {
    const query = requestQuery(req);
    if (!query.ok) return sendText(res, 400, query.error);
    const q = query.value;
    sendJson(req, res, tasksJson(as(req), { ...tasksPaging(q), frameworkId: q.get('framework_id'), taskId: q.get('task_id') }));
  });
  const metrics = () => masterMetricSet(master);
  app.all(['/metrics/snapshot', '/master/metrics/snapshot'], metricsSnapshotHandler(metrics));
  app.all(['/metrics/prometheus', '/master/metrics/prometheus'], metricsPrometheusHandler(metrics));
  app.all(['/master/roles', '/roles', '/master/roles.json', '/roles.json'], (req, res) => sendJson(req, res, rolesJson(master)));
  app.all(['/master/state-summary', '/state-summary'], (req, res) => sendJson(req, res, stateSummaryJson(as(req))));
  app.all(['/redirect', '/master/redirect'], (req, res) => redirectToLeader(ctx, req, res));
  // The web UI reads agents through here (agent-proxy.ts).
  app.all(
    /^\/agent\//,
    agentProxyHandler(() => master.agents),
  );
  // This master keeps no maintenance schedule, so it is always the empty one, which Mesos writes
  // as {} (repeated fields with no members are left out). The web UI's Maintenance tab reads it.
  app.get(['/master/maintenance/schedule', '/maintenance/schedule'], (req, res) => sendJson(req, res, {}));
  // Mesos reads the body as a query string whatever its Content-Type (Master::Http::teardown).
  app.all(['/master/teardown', '/teardown'], rawBody, (req, res) => {
    if (req.method !== 'POST') return methodNotAllowed(res, ['POST'], req.method);
    const body = decodeQuery(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    if (!body.ok) return sendText(res, 400, `Unable to decode query string: ${body.error}`);
    const id = body.value.get('frameworkId');
    if (id === undefined) return sendText(res, 400, "Missing 'frameworkId' query parameter in the request body");
    const fw = master.frameworks.get(id);
    if (!fw) return sendText(res, 400, 'No framework found with specified ID');
    // Mesos answers a refused teardown with a bare 403.
    if (!teardownAllowed(master.config.authorizer, (req as PrincipalRequest).principal, fw.info)) return res.status(403).end();
    master.removeFramework(fw, 'torn down by the operator through /master/teardown');
    res.status(200).end();
  });
  addOwnRoutes(app, ctx);
  addFilesAndWebui(app, ctx, operator.files);
  return app;
}

/** /redirect: 307 to the leading master, which this one is. */
function redirectToLeader(ctx: StateContext, req: Request, res: Response): void {
  sendDecision(res, redirectDecision(req.originalUrl, ctx.master.info));
}

/** A decision of leader-routes.ts other than `serve`, as Mesos answers it. */
function sendDecision(res: ServerResponse, decision: Elsewhere): void {
  switch (decision.kind) {
    case 'redirect':
      res.writeHead(307, { Location: decision.location, 'Content-Length': '0' }).end();
      return;
    case 'unavailable':
      sendText(res, 503, decision.message);
      return;
    case 'not_found':
      sendText(res, 404, '');
      return;
  }
}

/** Mesos answers a reader its ACLs refuse an endpoint (get_endpoints, view_flags, access_mesos_logs) with a bare 403. */
function guardEndpoints(app: express.Express, authorizer: LocalAuthorizer | undefined): void {
  if (authorizer !== undefined) app.use(endpointGuard(authorizer, endpointAllowed, canonicalPath));
}

/** What a master that does not lead knows: the leader (from ZooKeeper), and whether it is this one recovering. */
export interface FollowerContext extends OwnContext {
  /** --acls, which guard a follower's own endpoints as the leader's. */
  authorizer?: LocalAuthorizer | undefined;
  /** The leader as detected, or undefined while none is known. */
  leader(): MasterInfo | undefined;
  /** This master was elected and is recovering its registry: leader-only endpoints are not ready yet. */
  recovering(): boolean;
  startTime: number;
}

/**
 * The request listener of a master that does not lead (src/master/http.cpp): leader-only
 * endpoints answer 307 to the leader or 503; health, flags, version, metrics, files and the web
 * UI are its own.
 */
export function followerRequestListener(ctx: FollowerContext): RequestListener {
  const app = newApp();
  guardEndpoints(app, ctx.authorizer);
  addOwnRoutes(app, ctx);
  const metrics = () => followerMetricSet(ctx.startTime);
  app.all(['/metrics/snapshot', '/master/metrics/snapshot'], metricsSnapshotHandler(metrics));
  app.all(['/metrics/prometheus', '/master/metrics/prometheus'], metricsPrometheusHandler(metrics));
  addFilesAndWebui(app, ctx);
  return (req, res) => {
    const url = req.url ?? '/';
    if (ctx.recovering() && leaderOnly(url)) return sendText(res, 503, 'Master has not finished recovery');
    const decision = followerDecision(url, ctx.leader());
    if (decision.kind === 'serve') app(req, res);
    else sendDecision(res, decision);
  };
}

/**
 * Timeouts of the master's HTTP server. Each agent's registration request stays open for the
 * agent's life (its body is the agent's stream of messages), so Node's default requestTimeout
 * (300 s to receive a whole request) would cut every agent off every five minutes; headers must
 * still arrive within headersTimeout. Idle keep-alive connections last longer than a scheduler's
 * usual pause between calls. Small writes of one turn leave each connection in one system call
 * (turn-writes.ts).
 */
export function configureMasterServer(server: Server): void {
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.on('connection', batchWritesPerTurn);
}

/**
 * The master's request listener: the two hot POST endpoints (scheduler calls, agent messages)
 * go straight to their handlers, the rest through express. At thousands of requests a second
 * express's routing and body parsing would be a noticeable share of the master's CPU. Every
 * request passes the authentication gate first (http-auth.ts).
 */
export function masterRequestListener(ctx: StateContext, auth?: MasterAuth): RequestListener {
  const operator = operatorContext(ctx);
  const app = createMasterApp(ctx, operator);
  const authenticated = authGate(auth);
  const scheduler = schedulerApiHandler(ctx.master);
  const agents = agentApiHandler(ctx.master);
  const operatorApi = operatorApiHandler(masterOperatorApi(operator));
  const fast = new Map<string, (req: BodyRequest, res: ServerResponse) => void>([
    ['/api/v1/scheduler', scheduler],
    ['/master/api/v1/scheduler', scheduler],
    [AGENT_ENDPOINT, agents],
    ...OPERATOR_PATHS.map((p): [string, (req: BodyRequest, res: ServerResponse) => void] => [p, operatorApi]),
  ]);
  const agentStream = agentStreamHandler(ctx.master);
  return (req, res) => {
    if (!authenticated(req, res)) return;
    if (req.method === 'POST' && req.url === AGENT_ENDPOINT && req.headers['content-type'] === AGENT_STREAM_CONTENT_TYPE)
      return agentStream(req, res);
    const handler = req.method === 'POST' ? fast.get(req.url ?? '') : undefined;
    if (!handler) {
      app(req, res);
      return;
    }
    readBody(req, MAX_BODY_BYTES).then(
      (body) => {
        (req as BodyRequest).body = body;
        try {
          handler(req, res);
        } catch (err) {
          ctx.master.log.error({ err }, `Failed to handle POST ${req.url}`);
          if (!res.headersSent) sendText(res, 500, `Internal error: ${(err as Error).message}`);
        }
      },
      (err: Error) => bodyFailed(res, err),
    );
  };
}

/** A body that could not be read: 413 past the limit; otherwise the client went away mid-body. */
function bodyFailed(res: ServerResponse, err: Error): void {
  if (err instanceof BodyTooLargeError) sendText(res, 413, err.message);
  else res.destroy();
}

/** Reads the body of an express route into req.body, within MAX_BODY_BYTES. */
function rawBody(req: Request, res: Response, next: NextFunction): void {
  readBody(req, MAX_BODY_BYTES).then(
    (body) => {
      req.body = body;
      next();
    },
    (err: Error) => bodyFailed(res, err),
  );
}
