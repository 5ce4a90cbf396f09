// The agent's HTTP routes: the v1 executor API (/api/v1/executor), /state, /flags, /health,
// /version, /metrics/snapshot, /monitor/statistics and /containers (monitor/endpoints.ts) and the
// sandbox /files endpoints; every route also answers under the libprocess-style prefix
// /slave(1)/ that the web UI builds from the agent's pid. Under --acls each endpoint is guarded
// as Mesos's agent guards it (http-auth.ts), /state is filtered for its reader and sandboxes need
// access_sandboxes (sandbox-access.ts).
import express from 'express';
import { endpointGuard } from '../common/authorizer/endpoints.ts';
import type { LocalAuthorizer } from '../common/authorizer/local.ts';
import { viewerFor } from '../common/authorizer/views.ts';
import { type AttachedPaths, filesRouter } from '../common/files.ts';
import type { PrincipalRequest } from '../common/http-auth.ts';
import { methodNotAllowed, sendJson } from '../common/http.ts';
import { metricsSnapshotHandler } from '../common/metrics-endpoint.ts';
import { scalar } from '../common/resources.ts';
import { systemMetrics } from '../common/system-metrics.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { EXECUTOR_API_PATH, executorApiHandler } from './executor-api.ts';
import { monitorRoutes } from './monitor/endpoints.ts';
import type { MonitoredExecutor, ResourceMonitor } from './monitor/monitor.ts';
import { agentCanonicalPath } from './endpoint-realms.ts';
import { GET_ONLY_UNDER_ACLS, agentEndpointAllowed } from './http-auth.ts';
import { type AgentFramework, executorRunUser } from './records.ts';
import { sandboxAuthorizer } from './sandbox-access.ts';
import { type AgentStateContext, agentStateJson } from './state-json.ts';

const PROCESS_PREFIXES = ['/slave(1)', '/slave%281%29', '/agent(1)'];

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
  // The master's web UI reads /state, /files/*, /metrics/snapshot and /monitor/statistics from the browser, at this
  // agent's own address: allow those reads (and only reads) from any origin, as JSONP already does.
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
  app.all(EXECUTOR_API_PATH, express.raw({ type: () => true, limit: '64mb' }), executorApiHandler(ctx.agent));
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
  app.all(
    ['/metrics/snapshot'],
    metricsSnapshotHandler(() => agentMetrics(ctx)),
  );
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

function agentMetrics(ctx: AgentStateContext): Record<string, number> {
  const a = ctx.agent;
  const active = a.activeTaskCounts();
  let executors = 0;
  let used: NonNullable<import('../common/mesos.ts').TaskInfo['resources']> = [];
  for (const fw of a.frameworks.values()) {
    executors += fw.executors.size;
    for (const ex of fw.executors.values()) for (const t of ex.tasks.values()) if (t.running) used = used.concat(t.info.resources ?? []);
  }
  const m: Record<string, number> = {
    'slave/uptime_secs': (Date.now() - a.startTime) / 1000,
    'slave/registered': a.id && a.masterHostname !== undefined ? 1 : 0,
    'slave/executors_running': executors,
    'slave/frameworks_active': a.frameworks.size,
    'slave/tasks_staging': active.get('TASK_STAGING') ?? 0,
    'slave/tasks_starting': active.get('TASK_STARTING') ?? 0,
    'slave/tasks_running': active.get('TASK_RUNNING') ?? 0,
    'slave/tasks_killing': active.get('TASK_KILLING') ?? 0,
    'slave/tasks_finished': a.counters.terminal.get('TASK_FINISHED') ?? 0,
    'slave/tasks_failed': a.counters.terminal.get('TASK_FAILED') ?? 0,
    'slave/tasks_killed': a.counters.terminal.get('TASK_KILLED') ?? 0,
    'slave/tasks_lost': a.counters.terminal.get('TASK_LOST') ?? 0,
    'slave/tasks_gone': a.counters.terminal.get('TASK_GONE') ?? 0,
    'slave/valid_status_updates': a.counters.validStatusUpdates,
  };
  for (const r of ['cpus', 'mem', 'disk', 'gpus']) {
    const total = scalar(a.config.resources, r);
    const u = scalar(used, r);
    m[`slave/${r}_total`] = total;
    m[`slave/${r}_used`] = u;
    m[`slave/${r}_percent`] = total > 0 ? u / total : 0;
  }
  return { ...m, ...systemMetrics() };
}
