// Where things live under --work_dir, in Mesos's layout, so operators and tools find sandboxes
// where they expect them:
//   <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<executor>/runs/<container>   sandbox
//   <work_dir>/meta/slaves/latest -> <agent id>                                       identity
import path from 'node:path';

export function sandboxDir(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return path.join(workDir, 'slaves', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
}

/** The virtual path /files serves the latest run of an executor under. */
export function latestRunVirtualPath(agentId: string, frameworkId: string, executorId: string): string {
  return `/slaves/${agentId}/frameworks/${frameworkId}/executors/${executorId}/runs/latest`;
}

export function metaDir(workDir: string): string {
  return path.join(workDir, 'meta');
}

export function latestAgentLink(workDir: string): string {
  return path.join(metaDir(workDir), 'slaves', 'latest');
}
