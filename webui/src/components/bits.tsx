// Small building blocks shared by the pages: links to routes, key/value lists, state badges,
// and the loading and error notes. Every value is rendered as a text node.
import type { ComponentChildren } from 'preact';
import { formatTime, shortState } from '../format.ts';
import { isTerminal, text } from '../model.ts';
import { type Route, href } from '../routes.ts';

export function RouteLink(props: { to: Route; children: ComponentChildren; class?: string }) {
  return (
    <a href={href(props.to)} class={props.class}>
      {props.children}
    </a>
  );
}

export function PageTitle(props: { children: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <header class="page-title">
      <h1>{props.children}</h1>
      {props.sub !== undefined && <div class="sub">{props.sub}</div>}
    </header>
  );
}

export type KeyValue = [label: string, value: ComponentChildren];

export function KeyValues(props: { items: KeyValue[]; id?: string }) {
  return (
    <dl class="kv" data-kv={props.id}>
      {props.items.map(([k, v]) => (
        <div class="kv-row" key={k}>
          <dt>{k}</dt>
          <dd>{v === '' || v === undefined || v === null ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function StateBadge(props: { state: string }) {
  const s = text(props.state);
  const kind = s === 'TASK_RUNNING' ? 'ok' : s === 'TASK_FINISHED' ? 'done' : isTerminal(s) || s === 'TASK_UNREACHABLE' ? 'bad' : 'pending';
  return (
    <span class={`badge badge-${kind}`} title={s}>
      {shortState(s)}
    </span>
  );
}

export function Time(props: { secs: number | undefined }) {
  const t = formatTime(props.secs);
  return t ? <time dateTime={new Date((props.secs ?? 0) * 1000).toISOString()}>{t}</time> : <span class="muted">—</span>;
}

export function Loading(props: { what: string }) {
  return <p class="note loading">Loading {props.what}…</p>;
}

export function ErrorNote(props: { children: ComponentChildren }) {
  return (
    <p class="note error" role="status">
      {props.children}
    </p>
  );
}

export function Section(props: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="section" id={props.id}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Labels(props: { labels: { key: string; value?: string }[] | undefined }) {
  const labels = props.labels ?? [];
  if (labels.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="labels">
      {labels.map((l, i) => (
        <li key={`${i}`}>
          <code>{text(l.key)}</code>
          {l.value !== undefined ? (
            <>
              {' = '}
              <code>{text(l.value)}</code>
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
