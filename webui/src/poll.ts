// Polling as a hook: load now, then again after `intervalMs` (longer when a load was slow, so a
// huge cluster does not keep the master busy), backing off after failures up to `maxBackoffMs`
// so that a master coming back is noticed within a few seconds.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface PollResult<T> {
  /** The latest successful answer, kept while later polls fail. */
  data?: T;
  /** Why the latest poll failed; undefined after a success. */
  error?: string;
  /** Consecutive failed polls. */
  failures: number;
  /** Browser clock (ms) of the latest success. */
  updatedAt?: number;
  /** Browser clock (ms) of the next attempt while failing. */
  retryAt?: number;
  retryNow(): void;
}

export interface PollOptions {
  intervalMs: number;
  maxBackoffMs?: number;
}

const HIDDEN_INTERVAL_MS = 30_000;

/** Delay before the next poll. */
export function nextDelay(opts: PollOptions, failures: number, lastLoadMs: number): number {
  if (failures > 0) return Math.min(opts.intervalMs * 2 ** (failures - 1), opts.maxBackoffMs ?? 4_000);
  return Math.max(opts.intervalMs, Math.min(2 * lastLoadMs, 10_000));
}

type Snapshot<T> = Omit<PollResult<T>, 'retryNow'> & { key?: string };

/**
 * Polls `load` while the component is mounted; `key` identifies what is loaded (a change starts
 * over and forgets the old data). `load === undefined` pauses.
 */
export function usePoll<T>(key: string, load: ((signal: AbortSignal) => Promise<T>) | undefined, opts: PollOptions): PollResult<T> {
  const [snap, setSnap] = useState<Snapshot<T>>({ key, failures: 0 });
  const wake = useRef<() => void>(() => {});
  const loadRef = useRef(load);
  loadRef.current = load;
  const enabled = load !== undefined;

  // Polling restarts when the key or the enablement changes, not when the caller passes a new
  // closure or options object on every render.
  useEffect(() => {
    setSnap({ key, failures: 0 });
    if (!enabled) return undefined;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let running = false;
    const tick = async () => {
      const current = loadRef.current;
      if (controller.signal.aborted || running || !current) return;
      running = true;
      clearTimeout(timer);
      const started = performance.now();
      try {
        const data = await current(controller.signal);
        if (controller.signal.aborted) return;
        failures = 0;
        setSnap({ key, data, failures: 0, updatedAt: Date.now() });
      } catch (err) {
        if (controller.signal.aborted) return;
        failures++;
        const error = err instanceof Error ? err.message : String(err);
        const delay = nextDelay(opts, failures, 0);
        setSnap((prev) => ({ ...prev, error, failures, retryAt: Date.now() + delay }));
      } finally {
        running = false;
      }
      if (controller.signal.aborted) return;
      // A tab in the background polls rarely, and catches up as soon as it is shown again.
      const delay = nextDelay(opts, failures, performance.now() - started);
      timer = setTimeout(tick, document.visibilityState === 'hidden' ? Math.max(delay, HIDDEN_INTERVAL_MS) : delay);
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') void tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    wake.current = () => void tick();
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
      wake.current = () => {};
    };
  }, [key, enabled]);

  const retryNow = useCallback(() => wake.current(), []);
  // Until the effect has started over, the data of a previous key is not this key's.
  const current: Snapshot<T> = snap.key === key ? snap : { failures: 0 };
  return { ...current, retryNow };
}
