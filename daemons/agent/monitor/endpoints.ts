// The agent's /monitor/statistics (also .json) and /containers, in the JSON of Apache Mesos 1.11
// (Http::statistics, Http::_containers and __containers in src/slave/http.cpp):
//   /monitor/statistics  one entry per executor run with statistics: executor_id, executor_name,
//                        framework_id, source, statistics (ResourceStatistics)
//   /containers          one entry per executor run: the same plus container_id, and `status`
//                        (ContainerStatus) and `statistics` when its container is there; filtered
//                        by ?container_id=, ?framework_id= or ?executor_id=&framework_id=
// Both take ?jsonp=. Under --acls /containers lists only the containers view_containers lets the
// reader see (`visible`). Keys are in the order Mesos's JSON objects (sorted maps) print them.
import type express from 'express';
import { sendJson } from '../../common/http.ts';
import type { ExecutorUsage, MonitoredExecutor, ResourceMonitor } from './monitor.ts';
import { type Result, failed, ok } from '../../common/result.ts';

export const STATISTICS_PATHS = ['/monitor/statistics', '/monitor/statistics.json'];
export const CONTAINERS_PATH = '/containers';

/** Mesos's words for a /containers query it cannot serve. */
export const CONTAINERS_QUERY_ERROR =
  'Supported query parameters are container_id only, framework_id only, or executor_id and framework_id only';

/** Which executor runs a /containers query asks for, or the 400 it gets (pure). */
export function containersFilter(query: {
  container_id?: string;
  framework_id?: string;
  executor_id?: string;
}): Result<(ex: MonitoredExecutor) => boolean> {
  const { container_id: containerId, framework_id: frameworkId, executor_id: executorId } = query;
  const has = (v: string | undefined) => v !== undefined;
  if ((has(containerId) && (has(executorId) || has(frameworkId))) || (!has(containerId) && has(executorId) && !has(frameworkId))) {
    return failed(CONTAINERS_QUERY_ERROR);
  }
  return ok(
    (ex) =>
      (containerId === undefined || ex.containerId === containerId) &&
      (frameworkId === undefined || ex.frameworkId === frameworkId) &&
      (executorId === undefined || ex.executorId === executorId),
  );
}

function identity(ex: MonitoredExecutor): { executor_id: string; executor_name: string; framework_id: string; source: string } {
  return { executor_id: ex.executorId, executor_name: ex.name, framework_id: ex.frameworkId, source: ex.source };
}

export function statisticsJson(usage: readonly ExecutorUsage[]): Record<string, unknown>[] {
  return usage.filter((u) => u.statistics).map((u) => ({ ...identity(u.executor), statistics: u.statistics }));
}

export function containersJson(usage: readonly ExecutorUsage[]): Record<string, unknown>[] {
  return usage.map((u) => ({
    container_id: u.executor.containerId,
    ...identity(u.executor),
    ...(u.statistics ? { statistics: u.statistics } : {}),
    ...(u.status ? { status: u.status } : {}),
  }));
}

/** A query parameter as Mesos's `query.get` has it: one string (the last when repeated). */
function param(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) return param(v[v.length - 1]);
  return undefined;
}

/** Sends the body once it is there; a failure to collect is a 500 saying why, as in libprocess. */
function answer(req: express.Request, res: express.Response, body: Promise<unknown>, fail: (err: unknown) => void): void {
  body.then(
    (b) => sendJson(req, res, b),
    (err: unknown) => {
      fail(err);
      res
        .status(500)
        .type('text/plain')
        .send(`Failed to collect resource statistics: ${(err as Error).message}`);
    },
  );
}

export function monitorRoutes(
  app: express.Express,
  monitor: ResourceMonitor,
  fail: (err: unknown) => void,
  visible?: (req: express.Request, ex: MonitoredExecutor) => boolean,
): void {
  app.all(STATISTICS_PATHS, (req, res) => answer(req, res, monitor.usage().then(statisticsJson), fail));
  app.all(CONTAINERS_PATH, (req, res) => {
    const select = containersFilter({
      container_id: param(req.query.container_id),
      framework_id: param(req.query.framework_id),
      executor_id: param(req.query.executor_id),
    });
    if (!select.ok) {
      res.status(400).type('text/plain').send(select.error);
      return;
    }
    const selected = visible === undefined ? select.value : (ex: MonitoredExecutor) => select.value(ex) && visible(req, ex);
    answer(req, res, monitor.usage(selected).then(containersJson), fail);
  });
}
