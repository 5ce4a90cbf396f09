// Names of the performance marks the UI sets (visible in the browser's performance timeline),
// which the browser tests read to tell network time from rendering time.

/** The first master state has arrived and is parsed: what follows is the UI's own rendering. */
export const FIRST_STATE_MARK = 'mesos-ui:first-state';
