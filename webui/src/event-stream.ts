// The master's operator event stream as a hook: one long-lived SUBSCRIBE whose events keep a
// model of the state (v1-state.ts) current. When the stream breaks, or stays silent for three
// heartbeats, the hook reports it down (the master store polls master/state again) and
// subscribes again after a growing delay; a master that refuses the call is not asked again.
import { useEffect, useState } from 'preact/hooks';
import { HttpError, subscribeMaster } from './api.ts';
import { streamRefused, streamRetryDelay } from './retry.ts';
import { type StreamModel, applyEvent, modelFromState } from './v1-state.ts';

export interface StreamView {
  /** The model while the stream is up; undefined while it is down. */
  model?: StreamModel;
  /** Changes whenever the model does (the model itself is updated in place). */
  version: number;
}

/** Mesos's DEFAULT_HEARTBEAT_INTERVAL, until SUBSCRIBED tells the master's. */
const DEFAULT_HEARTBEAT_MS = 15_000;
/** Events arriving together are shown together, at most this often. */
const PUBLISH_MS = 100;

export function useEventStream(enabled: boolean): StreamView {
  const [view, setView] = useState<StreamView>({ version: 0 });
  useEffect(() => {
    if (!enabled) return undefined;
    const stop = new AbortController();
    let version = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let refused = false;

    const attempt = () => {
      const cut = new AbortController();
      const signal = AbortSignal.any([stop.signal, cut.signal]);
      let model: StreamModel | undefined;
      let silence: ReturnType<typeof setTimeout> | undefined;
      let publish: ReturnType<typeof setTimeout> | undefined;
      let heartbeatMs = DEFAULT_HEARTBEAT_MS;
      const expectWithin = () => {
        clearTimeout(silence);
        silence = setTimeout(() => cut.abort(), 3 * heartbeatMs);
      };
      const show = () => {
        publish = undefined;
        if (model && !signal.aborted) setView({ model, version: ++version });
      };
      expectWithin();
      subscribeMaster(signal, (event) => {
        expectWithin();
        if (event.type === 'SUBSCRIBED') {
          model = modelFromState(event.subscribed?.get_state ?? {});
          heartbeatMs = (event.subscribed?.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_MS / 1000) * 1000;
          failures = 0;
          expectWithin();
          show();
        } else if (model && applyEvent(model, event) && publish === undefined) {
          publish = setTimeout(show, PUBLISH_MS);
        }
      })
        .catch((err: unknown) => {
          refused = err instanceof HttpError && streamRefused(err.status);
        })
        .finally(() => {
          clearTimeout(silence);
          clearTimeout(publish);
          if (stop.signal.aborted) return;
          setView({ version: ++version });
          if (refused) return;
          failures++;
          retry = setTimeout(attempt, streamRetryDelay(failures));
        });
    };
    attempt();
    return () => {
      stop.abort();
      clearTimeout(retry);
    };
  }, [enabled]);
  return view;
}
