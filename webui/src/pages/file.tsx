// `#/agents/<id>/file?path=<file>`: view and tail a sandbox file (stdout, stderr...) through the
// agent's /files/read: starts with the file's last 64 KiB, then appends what is written, every
// second, without reloading. The text goes into a <pre> as a text node.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { downloadUrl, readFile } from '../api.ts';
import { formatBytes } from '../format.ts';
import { baseName, findAgent, text } from '../model.ts';
import { useMaster } from '../master-store.tsx';
import { READ_CHUNK, type Shown, appendCapped, tailStart, utf8Length } from '../tail.ts';
import { ErrorNote, PageTitle } from '../components/bits.tsx';
import { Crumbs } from './browse.tsx';

interface ViewState extends Shown {
  /** Byte offset where the shown text starts in the file (before any clipping). */
  start: number;
  /** Byte offset read up to. */
  end: number;
  loaded: boolean;
  error?: string;
}

const EMPTY: ViewState = { text: '', clipped: false, start: 0, end: 0, loaded: false };

export function FilePage(props: { agentId: string; path: string }) {
  const { state } = useMaster();
  const agent = state ? findAgent(state, props.agentId) : undefined;
  // Reading starts once the master lists the agent, and restarts for another agent or file.
  const known = agent !== undefined;
  const [view, setView] = useState<ViewState>(EMPTY);
  const [follow, setFollow] = useState(true);
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    setView(EMPTY);
    if (!known) return undefined;
    const controller = new AbortController();
    const { signal } = controller;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let offset = -1;
    let shown: ViewState = EMPTY;
    const step = async () => {
      let delay = 1_000;
      try {
        if (offset < 0) {
          const size = (await readFile(props.agentId, props.path, -1, -1, signal)).offset;
          offset = tailStart(size);
          shown = { ...EMPTY, start: offset, end: offset, clipped: offset > 0 };
        }
        const chunk = await readFile(props.agentId, props.path, offset, READ_CHUNK, signal);
        const bytes = utf8Length(text(chunk.data));
        if (bytes > 0) {
          offset += bytes;
          shown = { ...shown, ...appendCapped(shown, text(chunk.data)), end: offset, loaded: true, error: undefined };
          if (bytes >= READ_CHUNK) delay = 0;
        } else {
          // Nothing new: a file that shrank (truncated, rotated) is read again from its start.
          const size = (await readFile(props.agentId, props.path, -1, -1, signal)).offset;
          if (size < offset) {
            offset = 0;
            shown = { ...EMPTY, loaded: true };
          } else {
            shown = { ...shown, loaded: true, error: undefined };
          }
        }
        if (!signal.aborted) setView(shown);
      } catch (err) {
        if (signal.aborted) return;
        shown = { ...shown, error: err instanceof Error ? err.message : String(err) };
        setView(shown);
        delay = 2_000;
      }
      if (!signal.aborted) timer = setTimeout(step, delay);
    };
    void step();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [known, props.agentId, props.path]);

  useLayoutEffect(() => {
    const el = pre.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [view.text, follow]);

  const name = baseName(props.path);
  return (
    <div class="page file">
      <PageTitle sub={<span class="path">{props.path}</span>}>{name}</PageTitle>
      <Crumbs agentId={props.agentId} path={props.path} />
      {state && !agent && <ErrorNote>The master does not know agent {props.agentId} any more, so its files cannot be reached.</ErrorNote>}
      {view.error && <ErrorNote>Cannot read this file: {view.error}</ErrorNote>}
      <div class="file-toolbar">
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow (tail)
        </label>
        <span class="muted" data-file-size={view.end}>
          {view.loaded ? `${formatBytes(view.end)} read${view.clipped ? ' (earlier output not shown)' : ''}` : 'Loading…'}
        </span>
        {known && (
          <a class="button" href={downloadUrl(props.agentId, props.path)} download={name} data-download>
            Download
          </a>
        )}
      </div>
      <pre class="log" ref={pre} data-file={name} data-loaded={view.loaded ? 'true' : 'false'}>
        {view.loaded && view.text === '' ? <span class="muted">(empty)</span> : view.text}
      </pre>
    </div>
  );
}
