// The logging level of the v1 operator API's GET_LOGGING_LEVEL and SET_LOGGING_LEVEL, as
// libprocess's Logging process keeps it: a glog verbosity (0 the default, larger logs more),
// set for a while and then back to the level the daemon started with. Our log has pino's levels
// instead, so verbosity 0 is the level of --logging_level, 1 adds debug records and 2 or more
// trace records; a daemon that writes nowhere (--quiet without --log_dir) stays silent.
import type { Logger } from 'pino';

/** The longest delay setTimeout takes (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LogVerbosity {
  private current = 0;
  private readonly baseLevel: string;
  private revertTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly original = 0,
  ) {
    this.baseLevel = logger.level;
    this.current = original;
  }

  get level(): number {
    return this.current;
  }

  /**
   * Sets the verbosity; unless it is the original one, it goes back to that after `durationMs`
   * (Logging::set_level: a later call replaces the timer of an earlier one).
   */
  set(level: number, durationMs: number): void {
    this.apply(level);
    if (this.revertTimer !== undefined) clearTimeout(this.revertTimer);
    this.revertTimer = undefined;
    if (level === this.original) return;
    this.revertAt(Date.now() + durationMs);
  }

  /** Node's timers wait at most MAX_TIMER_MS (a longer one fires at once): a long duration takes several. */
  private revertAt(deadline: number): void {
    this.revertTimer = setTimeout(
      () => {
        this.revertTimer = undefined;
        if (Date.now() < deadline) this.revertAt(deadline);
        else this.apply(this.original);
      },
      Math.max(0, Math.min(deadline - Date.now(), MAX_TIMER_MS)),
    );
    this.revertTimer.unref();
  }

  /** Stops the revert timer (the daemon stops). */
  stop(): void {
    if (this.revertTimer !== undefined) clearTimeout(this.revertTimer);
    this.revertTimer = undefined;
  }

  private apply(level: number): void {
    this.current = level;
    this.logger.level = pinoLevel(this.baseLevel, level);
  }
}

/** The pino level of a verbosity over the daemon's base level (never less verbose than it). */
export function pinoLevel(baseLevel: string, verbosity: number): string {
  if (baseLevel === 'silent' || verbosity <= 0) return baseLevel;
  if (verbosity >= 2 || baseLevel === 'trace') return 'trace';
  return 'debug';
}
