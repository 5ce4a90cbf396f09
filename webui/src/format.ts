// Display formats: megabytes, bytes, CPU shares, timestamps and durations. Pure.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 -> "1.5 KB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '';
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${bytes < 0 ? '-' : ''}${v.toFixed(digits).replace(/\.0$/, '')} ${UNITS[i]}`;
}

/** Mesos reports mem and disk in MB. */
export function formatMB(mb: number): string {
  return formatBytes(mb * 1024 * 1024);
}

/** CPU shares with at most two decimals: 0.1, 2, 1.25. */
export function formatCpus(cpus: number): string {
  if (!Number.isFinite(cpus)) return '';
  return String(Math.round(cpus * 100) / 100);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Seconds since the epoch -> "2026-11-26 14:03:05" in the browser's time zone. */
export function formatTime(secs: number | undefined): string {
  if (secs === undefined || !Number.isFinite(secs) || secs <= 0) return '';
  const d = new Date(secs * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 93784 -> "1d 2h 3m"; under a minute "42s". */
export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) return '';
  const s = Math.floor(secs);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [d ? `${d}d` : '', d || h ? `${h}h` : '', `${m}m`].filter(Boolean).join(' ');
}

/** "TASK_RUNNING" -> "RUNNING". */
export function shortState(state: string): string {
  return state.startsWith('TASK_') ? state.slice(5) : state;
}

/** 12345 -> "12,345", independent of the browser's locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
