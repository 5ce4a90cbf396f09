// The connection banner: shown while the master does not answer (with the age of the data
// still on screen and a retry countdown), gone as soon as a poll succeeds again.
import { useEffect, useState } from 'preact/hooks';
import { formatTime } from '../format.ts';
import { otherLeader } from '../model.ts';
import { fallbackMaster, useMaster } from '../master-store.tsx';

export function MasterBanner() {
  const { poll, state } = useMaster();
  // Re-render twice a second while failing, for the countdown.
  const [, setTick] = useState(0);
  const failing = poll.failures > 0;
  useEffect(() => {
    if (!failing) return undefined;
    const t = setInterval(() => setTick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, [failing]);
  const now = Date.now();

  if (failing) {
    const fallback = fallbackMaster();
    const wait = poll.retryAt !== undefined ? Math.max(0, Math.ceil((poll.retryAt - now) / 1000)) : 0;
    return (
      <div class="banner banner-down" role="alert" data-banner="master-down">
        <strong>The master at {location.host} is not reachable.</strong>{' '}
        {poll.updatedAt !== undefined ? `Showing data from ${formatTime(poll.updatedAt / 1000)}. ` : ''}
        {wait > 0 ? `Retrying in ${wait} s` : 'Retrying…'} (attempt {poll.failures}).{' '}
        <button type="button" onClick={poll.retryNow}>
          Retry now
        </button>
        {fallback ? (
          <>
            {' '}
            <a href={fallback} data-fallback-master>
              Go to {new URL(fallback).host}
            </a>
            , the master that sent you here: it knows the new leader.
          </>
        ) : null}
        <div class="banner-detail">{poll.error}</div>
      </div>
    );
  }
  const leader = state && otherLeader(state);
  if (leader) {
    return (
      <div class="banner banner-info" role="status" data-banner="not-leader">
        This master is not the leader. <a href={`${location.protocol}${leader}/`}>Go to the leading master</a>.
      </div>
    );
  }
  return null;
}
