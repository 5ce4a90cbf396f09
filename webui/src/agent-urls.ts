// Where the web UI reads an agent: through the master it was served by (`agent/<id>/...`,
// relative, so the same origin, login and TLS as the page, and a master under a path prefix
// still works); the master forwards these reads to the agent (daemons/master/agent-proxy.ts).
// Pure.

/** An agent read endpoint, through the master. */
export function agentUrl(agentId: string, path: string, params?: Record<string, string>): string {
  const query = params === undefined ? '' : `?${new URLSearchParams(params)}`;
  return `agent/${encodeURIComponent(agentId)}/${path}${query}`;
}

export function agentStateUrl(agentId: string): string {
  return agentUrl(agentId, 'slave(1)/state');
}

export function agentFilesUrl(agentId: string, op: 'browse' | 'read' | 'download', params: Record<string, string>): string {
  return agentUrl(agentId, `files/${op}`, params);
}
