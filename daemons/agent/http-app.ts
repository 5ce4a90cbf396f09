// The agent's HTTP routes: the v1 operator API (/api/v1, operator-calls.ts), the v1 executor API
// (/api/v1/executor), /state, /flags, /health,
// /version, /metrics/snapshot and /metrics/prometheus, /monitor/statistics and /containers
// (monitor/endpoints.ts) and the sandbox /files endpoints; every route also answers under the
// libprocess-style prefix /slave(1)/ that the web UI builds from the agent's pid. Under --acls
// each endpoint is guarded as Mesos's agent guards it (http-auth.ts), /state is filtered for its
// reader and sandboxes need access_sandboxes (sandbox-access.ts).
import express from 'express';
import { endpointGuard } from '../common/authorizer/endpoints.ts';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';
import { viewerFor } from '../common/authorizer/views.ts';
import { type AttachedPaths, filesRouter } from '../common/files.ts';
import type { PrincipalRequest } from '../common/http-auth.ts';
import { methodNotAllowed, sendJson } from '../common/http.ts';
import { LogVerbosity } from '../common/log-verbosity.ts';
import { operatorApiHandler } from '../common/operator-api.ts';
import { metricsPrometheusHandler, metricsSnapshotHandler } from '../common/metrics-endpoint.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { EXECUTOR_API_PATH, executorApiHandler } from './executor-api.ts';
import { agentMetricSet } from './metrics.ts';
import { monitorRoutes } from './monitor/endpoints.ts';
import type { MonitoredExecutor, ResourceMonitor } from './monitor/monitor.ts';
import { agentCanonicalPath } from './endpoint-realms.ts';
import { GET_ONLY_UNDER_ACLS, agentEndpointAllowed } from './http-auth.ts';
import { type AgentFramework, executorRunUser } from './records.ts';
import { sandboxAuthorizer } from './sandbox-access.ts';
import { agentOperatorApi } from './operator-calls.ts';
import { type AgentStateContext, agentStateJson } from './state-json.ts';

const PROCESS_PREFIXES = ['/slave(1)', '/slave%281%29', '/agent(1)'];

/** The v1 operator API's path; the executor API's (/api/v1/executor) is another route. */
export const OPERATOR_API_PATH = '/api/v1';

/** The agent's --acls, and the real path of <work_dir>/slaves, where the sandboxes they guard are. */
export interface AgentAccess {
  authorizer: LocalAuthorizer;
  slavesDir: string;
}

export function createAgentApp(
  ctx: AgentStateContext,
  files: AttachedPaths,
  monitor: ResourceMonitor,
  access?: AgentAccess,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Apache Mesos's web UI (under the master's --webui_dir) and other tools read /state, /files/*, /metrics/snapshot
  // and /monitor/statistics from the browser, at this agent's own address (ours goes through the master's
  // /agent/<id>/...): allow those reads (and only reads) from any origin, as JSONP already does.
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  });
  app.use((req, _res, next) => {
    for (const prefix of PROCESS_PREFIXES) {
      if (req.url === prefix || req.url.startsWith(`${prefix}/`) || req.url.startsWith(`${prefix}?`)) {
        req.url = req.url.slice(prefix.length) || '/';
        break;
      }
    }
    next();
  });
  if (access) {
    app.use((req, res, next) => {
      if (req.method === 'GET' || !GET_ONLY_UNDER_ACLS.has(agentCanonicalPath(req.url))) next();
      else methodNotAllowed(res, ['GET'], req.method);
    });
    app.use(endpointGuard(access.authorizer, agentEndpointAllowed, agentCanonicalPath));
  }
  const rawBody = express.raw({ type: () => true, limit: '64mb' });
  app.all(EXECUTOR_API_PATH, rawBody, executorApiHandler(ctx.agent));
  const operator = { ...ctx, files, monitor, logVerbosity: new LogVerbosity(ctx.agent.log) };
  app.all(OPERATOR_API_PATH, rawBody, operatorApiHandler(agentOperatorApi(operator)));
  // Any method, as libprocess routes them.
  app.all(['/state', '/state.json'], (req, res) => {
    const viewer = viewerFor(access?.authorizer, (req as PrincipalRequest).principal);
    sendJson(req, res, agentStateJson(viewer === undefined ? ctx : { ...ctx, viewer }));
  });
  app.all(['/flags'], (req, res) => sendJson(req, res, { flags: ctx.flags }));
  app.all(['/health'], (_req, res) => {
    res.status(200).end();
  });
  app.all(['/version'], (req, res) =>
    sendJson(req, res, {
      version: MESOS_API_VERSION,
      build_date: new Date(ctx.buildTime).toISOString().replace('T', ' ').slice(0, 19),
      build_time: Math.floor(ctx.buildTime / 1000),
      build_user: 'mesos-ts',
    }),
  );
  const metrics = () => agentMetricSet(ctx.agent);
  app.all(['/metrics/snapshot'], metricsSnapshotHandler(metrics));
  app.all(['/metrics/prometheus'], metricsPrometheusHandler(metrics));
  const containerSeen =
    access &&
    ((req: express.Request, ex: MonitoredExecutor) =>
      access.authorizer.authorized('view_containers', (req as PrincipalRequest).principal, runUser(ctx, ex.frameworkId, ex.executorId)));
  monitorRoutes(
    app,
    monitor,
    (err) => ctx.agent.log.warn(`Failed to collect resource statistics: ${(err as Error).message}`),
    containerSeen,
  );
  const sandboxes = access && sandboxAuthorizer(access.authorizer, access.slavesDir, (fw, ex) => runUser(ctx, fw, ex));
  app.use(filesRouter(files, undefined, sandboxes));
  return app;
}

/** The Unix user of a framework's runs, or of one executor's (its sandbox, its container), as far as the agent still knows them. */
function runUser(ctx: AgentStateContext, frameworkId: string, executorId: string | undefined): string | undefined {
  const a = ctx.agent;
  const fw: AgentFramework | undefined = a.frameworks.get(frameworkId) ?? a.completedFrameworks.find((f) => f.id === frameworkId);
  if (fw === undefined) return undefined;
  const ex =
    executorId === undefined ? undefined : (fw.executors.get(executorId) ?? fw.completedExecutors.find((e) => e.id === executorId));
  return ex === undefined ? (fw.info.user ?? '') : executorRunUser(ex, fw.info);
}
