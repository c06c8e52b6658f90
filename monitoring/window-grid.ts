import { ConfigError } from '../errors/index.js';

/**
 * Metric windows lie on a fixed grid: consecutive `windowHours`-long windows
 * counted from the Unix epoch (UTC), so 24-hour windows are UTC days. A
 * window is always a whole cell of the grid whatever `since` and `until` a
 * refresh asks for, which is what makes recomputing one idempotent: the same
 * rows land in the same window with the same bounds every time.
 */
export interface WindowGrid {
  windowMs: number;
  /** Start of the first window (≤ since). */
  startMs: number;
  /** End of the last window (≥ until). */
  endMs: number;
}

export function windowGrid(since: string, until: string, windowHours: number): WindowGrid {
  if (!(Number.isFinite(windowHours) && windowHours > 0)) {
    throw new ConfigError(`windowHours must be a positive number of hours, not ${windowHours}`, { field: 'windowHours' });
  }
  const windowMs = Math.round(windowHours * 3_600_000);
  if (windowMs < 60_000) throw new ConfigError(`windowHours must be at least one minute (1/60), not ${windowHours}`, { field: 'windowHours' });
  const s = time(since, 'since');
  const u = time(until, 'until');
  if (u <= s) throw new ConfigError(`until (${until}) must be after since (${since})`, { field: 'until' });
  return { windowMs, startMs: Math.floor(s / windowMs) * windowMs, endMs: Math.ceil(u / windowMs) * windowMs };
}

/** The start of the window containing `ms`. */
export function windowStartOf(grid: WindowGrid, ms: number): number {
  return Math.floor(ms / grid.windowMs) * grid.windowMs;
}

function time(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ConfigError(`${field}: ${JSON.stringify(value)} is not an ISO-8601 time`, { field });
  return ms;
}
