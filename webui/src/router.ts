// Follows location.hash: back/forward and typed links re-render the page without a reload.
import { useEffect, useState } from 'preact/hooks';
import { type Route, canonicalHash, parseHash } from './routes.ts';

/** Rewrites legacy `#/slaves/...` in place (no extra history entry) and parses the hash. */
function currentRoute(): Route {
  const canonical = canonicalHash(location.hash);
  if (canonical !== undefined) history.replaceState(history.state, '', canonical);
  return parseHash(location.hash);
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(currentRoute);
  useEffect(() => {
    const onChange = () => {
      setRoute(currentRoute());
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Replaces the current history entry with another route (used by redirecting pages). */
export function replaceHash(hash: string): void {
  history.replaceState(history.state, '', hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
