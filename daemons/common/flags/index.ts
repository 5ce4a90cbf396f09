// The one flag parser of mesos-ts (see README.md).
export { isHelpRequested, isVersionRequested } from './argv.ts';
export { formatHelp } from './help.ts';
export { loadFlags } from './load.ts';
export { loggingFlagDefs } from './logging-flags.ts';
export { FlagError } from './types.ts';
export type { FlagDef, FlagType, FlagValues, LoadOptions, Loaded } from './types.ts';
export { formatBytes, formatDuration, parseBytes, parseDuration } from './units.ts';
