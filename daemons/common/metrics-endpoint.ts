// /metrics/snapshot and /metrics/prometheus of master and agent. Like libprocess's MetricsProcess
// they take an optional `timeout` (a duration such as '5secs') and refuse one they cannot parse
// with 400; a valid one changes nothing here, since every metric is read at once.
import type { Request, Response } from 'express';
import { durationProblem } from './flags/units.ts';
import { sendJson, sendText } from './http.ts';
import { type MetricSet, snapshotJson } from './metric-set.ts';
import { prometheusFamilies } from './prometheus-families.ts';
import { PROMETHEUS_CONTENT_TYPE, exposition } from './prometheus-text.ts';
import { requestQuery } from './query.ts';

/** Mesos's 400 text for a `timeout` parameter, or undefined when it is absent or a duration. */
export function snapshotTimeoutError(query: ReadonlyMap<string, string>): string | undefined {
  const timeout = query.get('timeout');
  if (timeout === undefined) return undefined;
  const problem = durationProblem(timeout);
  return problem === undefined ? undefined : `Invalid timeout '${timeout}': ${problem}.\n`;
}

/** The 400 text for a request's query, or undefined when it is acceptable. */
function queryError(req: Request): string | undefined {
  const query = requestQuery(req);
  return query.ok ? snapshotTimeoutError(query.value) : `${query.error}.\n`;
}

export function metricsSnapshotHandler(metrics: () => MetricSet): (req: Request, res: Response) => void {
  return (req, res) => {
    const error = queryError(req);
    if (error !== undefined) return sendText(res, 400, error);
    sendJson(req, res, snapshotJson(metrics()));
  };
}

/** The same metrics in Prometheus's text format (prometheus-families.ts has the naming rule). */
export function metricsPrometheusHandler(metrics: () => MetricSet): (req: Request, res: Response) => void {
  return (req, res) => {
    const error = queryError(req);
    if (error !== undefined) return sendText(res, 400, error);
    const body = Buffer.from(exposition(prometheusFamilies(metrics())));
    res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': body.length });
    res.end(body);
  };
}
