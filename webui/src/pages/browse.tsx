// `#/agents/<id>/browse?path=<dir>`: a sandbox directory listing, read from the agent's
// /files/browse and refreshed while open. File names are rendered as text.
import { useMemo } from 'preact/hooks';
import { browseFiles, downloadUrl } from '../api.ts';
import { formatBytes } from '../format.ts';
import { baseName, findAgent, sandboxCrumbs, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { usePoll } from '../poll.ts';
import type { FileEntryJson } from '../../../daemons/common/state-types.ts';
import { ErrorNote, Loading, PageTitle, RouteLink, Time } from '../components/bits.tsx';
import { type Column, DataTable } from '../components/table.tsx';

const isDir = (f: FileEntryJson) => text(f.mode).startsWith('d');

function fileColumns(agentId: string): Column<FileEntryJson>[] {
  return [
    {
      id: 'name',
      title: 'Name',
      // Directories first, then by name.
      value: (f) => `${isDir(f) ? 0 : 1}${baseName(text(f.path))}`,
      search: (f) => baseName(text(f.path)),
      render: (f) => (
        <RouteLink class={isDir(f) ? 'dir' : 'file'} to={{ page: isDir(f) ? 'browse' : 'file', agentId, path: text(f.path) }}>
          {baseName(text(f.path))}
          {isDir(f) ? '/' : ''}
        </RouteLink>
      ),
    },
    {
      id: 'size',
      title: 'Size',
      numeric: true,
      searchable: false,
      value: (f) => f.size,
      render: (f) => (isDir(f) ? '' : formatBytes(f.size)),
    },
    { id: 'mtime', title: 'Modified', searchable: false, value: (f) => f.mtime, render: (f) => <Time secs={f.mtime} /> },
    { id: 'mode', title: 'Mode', value: (f) => text(f.mode), searchable: false },
    { id: 'uid', title: 'Owner', value: (f) => text(f.uid) },
    {
      id: 'download',
      title: '',
      sortable: false,
      searchable: false,
      value: () => undefined,
      render: (f) =>
        isDir(f) ? null : (
          <a href={downloadUrl(agentId, text(f.path))} download={baseName(text(f.path))}>
            Download
          </a>
        ),
    },
  ];
}

export function Crumbs(props: { agentId: string; path: string }) {
  const crumbs = sandboxCrumbs(props.path);
  return (
    <nav class="crumbs" aria-label="Path">
      {crumbs.map((c, i) => (
        <span key={c.path}>
          {i > 0 && ' / '}
          {i === crumbs.length - 1 ? (
            <strong>{c.label}</strong>
          ) : (
            <RouteLink to={{ page: 'browse', agentId: props.agentId, path: c.path }}>{c.label}</RouteLink>
          )}
        </span>
      ))}
    </nav>
  );
}

export function BrowsePage(props: { agentId: string; path: string }) {
  const { state } = useMaster();
  const agent = state ? findAgent(state, props.agentId) : undefined;
  const known = agent !== undefined;
  const poll = usePoll(
    `browse:${props.agentId}:${props.path}`,
    known ? (signal) => browseFiles(props.agentId, props.path, signal) : undefined,
    {
      intervalMs: 1_000,
      maxBackoffMs: 5_000,
    },
  );
  const columns = useMemo(() => fileColumns(props.agentId), [props.agentId]);

  return (
    <div class="page browse">
      <PageTitle sub={<span class="path">{props.path}</span>}>Sandbox on {agent ? text(agent.hostname) : props.agentId}</PageTitle>
      <Crumbs agentId={props.agentId} path={props.path} />
      {state && !agent && <ErrorNote>The master does not know agent {props.agentId} any more, so its files cannot be reached.</ErrorNote>}
      {poll.error && <ErrorNote>Cannot list this directory: {poll.error}</ErrorNote>}
      {poll.data ? (
        <DataTable
          id="files"
          rows={poll.data}
          columns={columns}
          rowKey={(f) => text(f.path)}
          defaultSort={{ column: 'name', dir: 'asc' }}
          noun="files"
          emptyText="This directory is empty."
        />
      ) : (
        !poll.error && (!state || agent) && <Loading what="the directory" />
      )}
    </div>
  );
}
