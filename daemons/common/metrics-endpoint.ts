// /metrics/snapshot of master and agent. Like libprocess's MetricsProcess it takes an optional
// `timeout` (a duration such as '5secs') and refuses one it cannot parse with 400; a valid one
// changes nothing here, since every metric is read at once.
import type { Request, Response } from 'express';
import { durationProblem } from './flags/units.ts';
import { sendJson, sendText } from './http.ts';
import { requestQuery } from './query.ts';
import type { MetricsJson } from './state-types.ts';

/** Mesos's 400 text for a `timeout` parameter, or undefined when it is absent or a duration. */
export function snapshotTimeoutError(query: ReadonlyMap<string, string>): string | undefined {
  const timeout = query.get('timeout');
  if (timeout === undefined) return undefined;
  const problem = durationProblem(timeout);
  return problem === undefined ? undefined : `Invalid timeout '${timeout}': ${problem}.\n`;
}

export function metricsSnapshotHandler(metrics: () => MetricsJson): (req: Request, res: Response) => void {
  return (req, res) => {
    const query = requestQuery(req);
    const error = query.ok ? snapshotTimeoutError(query.value) : `${query.error}.\n`;
    if (error !== undefined) return sendText(res, 400, error);
    sendJson(req, res, metrics());
  };
}
