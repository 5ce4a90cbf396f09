// The `system/*` metrics both daemons report in /metrics/snapshot.
import os from 'node:os';

export function systemMetrics(): Record<string, number> {
  const [l1 = 0, l5 = 0, l15 = 0] = os.loadavg();
  return {
    'system/cpus_total': os.cpus().length,
    'system/load_1min': l1,
    'system/load_5min': l5,
    'system/load_15min': l15,
    'system/mem_total_bytes': os.totalmem(),
    'system/mem_free_bytes': os.freemem(),
  };
}
