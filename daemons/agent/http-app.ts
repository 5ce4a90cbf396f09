// The agent's HTTP routes: the v1 executor API (/api/v1/executor), /state, /flags, /health,
// /version, /metrics/snapshot, /monitor/statistics and /containers (monitor/endpoints.ts) and the
// sandbox /files endpoints; every route also answers under the libprocess-style prefix
// /slave(1)/ that the web UI builds from the agent's pid.
import express from 'express';
import { type AttachedPaths, filesRouter } from '../common/files.ts';
import { sendJson } from '../common/http.ts';
import { metricsSnapshotHandler } from '../common/metrics-endpoint.ts';
import { scalar } from '../common/resources.ts';
import { systemMetrics } from '../common/system-metrics.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { EXECUTOR_API_PATH, executorApiHandler } from './executor-api.ts';
import { monitorRoutes } from './monitor/endpoints.ts';
import type { ResourceMonitor } from './monitor/monitor.ts';
import { type AgentStateContext, agentStateJson } from './state-json.ts';

const PROCESS_PREFIXES = ['/slave(1)', '/slave%281%29', '/agent(1)'];

export function createAgentApp(ctx: AgentStateContext, files: AttachedPaths, monitor: ResourceMonitor): express.Express {
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
  app.all(EXECUTOR_API_PATH, express.raw({ type: () => true, limit: '64mb' }), executorApiHandler(ctx.agent));
  // Any method, as libprocess routes them.
  app.all(['/state', '/state.json'], (req, res) => sendJson(req, res, agentStateJson(ctx)));
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
  monitorRoutes(app, monitor, (err) => ctx.agent.log.warn(`Failed to collect resource statistics: ${(err as Error).message}`));
  app.use(filesRouter(files));
  return app;
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
