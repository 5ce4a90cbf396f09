// Logging flags shared by mesos-master and mesos-agent (Mesos: src/logging/flags.cpp).
import type { FlagDef } from './types.ts';

export const loggingFlagDefs = [
  { name: 'quiet', type: 'bool', default: 'false', help: 'Do not log to stderr.' },
  {
    name: 'logging_level',
    type: 'string',
    default: 'INFO',
    help: 'Log messages at or above this level (with --quiet, only affects --log_dir).',
    schema: { enum: ['INFO', 'WARNING', 'ERROR'] },
  },
  {
    name: 'log_dir',
    type: 'path',
    help: 'Directory for log files, also shown in the web UI. Nothing is written to disk without it.',
  },
  { name: 'logbufsecs', type: 'int', default: '0', help: 'Seconds logs may be buffered before flushing.', schema: { minimum: 0 } },
  {
    name: 'initialize_driver_logging',
    type: 'bool',
    default: 'true',
    help: 'Whether scheduler and executor drivers initialise logging like the daemon (no effect for HTTP APIs).',
  },
  {
    name: 'external_log_file',
    type: 'path',
    help: 'A log file written by something else (syslog, journald export) to show in the web UI instead of --log_dir.',
  },
] as const satisfies readonly FlagDef[];
