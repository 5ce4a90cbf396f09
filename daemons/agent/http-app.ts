// The agent's HTTP routes: the v1 executor API (/api/v1/executor), /state, /flags, /health,
// /version, /metrics/snapshot and /metrics/prometheus, /monitor/statistics and /containers
// (monitor/endpoints.ts) and the sandbox /files endpoints; every route also answers under the
// libprocess-style prefix /slave(1)/ that the web UI builds from the agent's pid.
import express from 'express';
import { type AttachedPaths, filesRouter } from '../common/files.ts';
import { sendJson } from '../common/http.ts';
import { metricsPrometheusHandler, metricsSnapshotHandler } from '../common/metrics-endpoint.ts';
import { MESOS_API_VERSION } from '../common/version.ts';
import { EXECUTOR_API_PATH, executorApiHandler } from './executor-api.ts';
import { agentMetricSet } from './metrics.ts';
import { monitorRoutes } from './monitor/endpoints.ts';
import type { ResourceMonitor } from './monitor/monitor.ts';
import { type AgentStateContext, agentStateJson } from './state-json.ts';

const PROCESS_PREFIXES = ['/slave(1)', '/slave%281%29', '/agent(1)'];

export function createAgentApp(ctx: AgentStateContext, files: AttachedPaths, monitor: ResourceMonitor): express.Express {
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
  const metrics = () => agentMetricSet(ctx.agent);
  app.all(['/metrics/snapshot'], metricsSnapshotHandler(metrics));
  app.all(['/metrics/prometheus'], metricsPrometheusHandler(metrics));
  monitorRoutes(app, monitor, (err) => ctx.agent.log.warn(`Failed to collect resource statistics: ${(err as Error).message}`));
  app.use(filesRouter(files));
  return app;
}
