// Flags that ask for protection a daemon does not give (authenticating frameworks and agents,
// which only the master does; endpoint firewalls) or for code it cannot load (Mesos modules and
// hooks are C++ shared libraries). Accepting them silently would run a cluster open that its operator configured
// closed, so the daemons refuse to start and say which flag to remove.

interface Refusal {
  name: string;
  /** Whether this value asks for what is not there. */
  asks: (value: string) => boolean;
  why: string;
}

const isTrue = (v: string) => v === 'true';
const isSet = (v: string) => v.trim() !== '';

const REFUSALS: readonly Refusal[] = [
  { name: 'authenticate_frameworks', asks: isTrue, why: 'frameworks cannot be authenticated here (no CRAM-MD5)' },
  { name: 'authenticate_agents', asks: isTrue, why: 'agents cannot be authenticated here (no CRAM-MD5)' },
  { name: 'authenticate_http_frameworks', asks: isTrue, why: 'HTTP frameworks cannot be authenticated here' },
  { name: 'credentials', asks: isSet, why: 'credentials serve authentication, which is not supported here' },
  { name: 'credential', asks: isSet, why: 'the agent cannot authenticate with a master here' },
  { name: 'firewall_rules', asks: isSet, why: 'endpoints cannot be disabled here' },
  { name: 'modules', asks: isSet, why: 'Mesos modules are C++ shared libraries, which cannot be loaded here' },
  { name: 'modules_dir', asks: isSet, why: 'Mesos modules are C++ shared libraries, which cannot be loaded here' },
  { name: 'hooks', asks: isSet, why: 'hooks are Mesos modules (C++ shared libraries), which cannot be loaded here' },
];

/**
 * The first flag (as loaded, with defaults) that asks for what this build lacks, as one line;
 * undefined when none does. `handled` names the flags the calling daemon does implement (the
 * master authenticates frameworks and agents, an agent authenticates with --credential).
 */
export function refusedFlag(raw: Readonly<Record<string, string>>, handled: readonly string[] = []): string | undefined {
  for (const r of REFUSALS) {
    if (handled.includes(r.name)) continue;
    const value = raw[r.name];
    if (value !== undefined && r.asks(value)) {
      return `--${r.name}: ${r.why}; remove the flag rather than run without what it asks for`;
    }
  }
  return undefined;
}
