// mesos-master flags: Apache Mesos names and defaults (src/master/flags.cpp, src/logging/flags.cpp),
// our own short help. `--help` and `--version` are handled by the program, not listed here.
import { loadFlags, loggingFlagDefs } from '../common/flags/index.ts';
import type { FlagDef, FlagValues, LoadOptions, Loaded } from '../common/flags/index.ts';
import { RATE_LIMITS_SCHEMA } from './rate-limits.ts';

const PORT = { minimum: 1, maximum: 65535 } as const;
const SORTERS = { enum: ['drf', 'random'] } as const;

export const masterFlagDefs = [
  // Network identity.
  { name: 'ip', type: 'string', help: 'IP address to listen on.', defaultHelp: 'LIBPROCESS_IP, else all interfaces' },
  { name: 'port', type: 'int', default: '5050', help: 'Port to listen on.', schema: PORT },
  { name: 'advertise_ip', type: 'string', help: 'IP address advertised to reach this master (it does not bind to it).' },
  { name: 'advertise_port', type: 'int', help: 'Port advertised along with --advertise_ip (it does not bind to it).', schema: PORT },
  { name: 'hostname', type: 'string', help: 'Hostname to advertise.', defaultHelp: 'resolved from the advertised IP' },
  {
    name: 'hostname_lookup',
    type: 'bool',
    default: 'true',
    help: 'Look up the hostname when --hostname is not set; with --no-hostname_lookup the IP is advertised.',
  },
  { name: 'ip_discovery_command', type: 'string', help: 'Command whose output is the IP to bind to (not with --ip).' },
  ...loggingFlagDefs,

  // Persistence and leader election.
  {
    name: 'work_dir',
    type: 'path',
    help: 'Directory for the persistent registry; needed with --registry=replicated_log. Not /tmp in production.',
  },
  {
    name: 'registry',
    type: 'string',
    default: 'replicated_log',
    help: 'Where the registry (known agents, cluster state) is kept: replicated_log is a file under --work_dir, or in ZooKeeper with --zk; in_memory is for testing.',
    schema: { enum: ['replicated_log', 'in_memory'] },
  },
  {
    name: 'zk',
    type: 'string',
    help: 'ZooKeeper URL for leader election: zk://host1:port1,host2:port2/path, zk://user:pass@hosts/path or file:///path.',
    schema: { pattern: '^zk://', errorHint: "expected 'zk://host:port[,host:port...]/path'" },
  },
  {
    name: 'quorum',
    type: 'int',
    help: 'More than half the number of masters; required with --zk and --registry=replicated_log, as in Mesos (the registry is then in ZooKeeper).',
    schema: { minimum: 1 },
  },
  {
    name: 'zk_session_timeout',
    type: 'duration',
    default: '10secs',
    help: 'ZooKeeper session timeout; a leader cut off from ZooKeeper this long exits.',
  },
  {
    name: 'master_contender',
    type: 'string',
    help: 'Leader election module (with --master_detector). Refused: modules are C++ shared libraries; use --zk.',
  },
  {
    name: 'master_detector',
    type: 'string',
    help: 'Leader detection module (with --master_contender). Refused: modules are C++ shared libraries; use --zk.',
  },
  {
    name: 'registry_fetch_timeout',
    type: 'duration',
    default: '1mins',
    help: 'How long to wait for the registry to be read before failing.',
    inert: 'the registry (a file under --work_dir, or ZooKeeper with --zk) is read and written with no time limit',
  },
  {
    name: 'registry_store_timeout',
    type: 'duration',
    default: '20secs',
    help: 'How long to wait for the registry to be written before failing.',
    inert: 'the registry (a file under --work_dir, or ZooKeeper with --zk) is read and written with no time limit',
  },
  {
    name: 'log_auto_initialize',
    type: 'bool',
    default: 'true',
    help: 'Initialise the replicated log on first use (otherwise it must be initialised by hand).',
    inert: 'there is no replicated log: the registry is a file under --work_dir, or in ZooKeeper with --zk',
  },
  {
    name: 'registry_gc_interval',
    type: 'duration',
    default: '15mins',
    help: 'How often the registry is pruned.',
    inert: 'agents past --registry_max_agent_age or --registry_max_agent_count are pruned at each round of agent pings',
  },
  {
    name: 'registry_max_agent_age',
    type: 'duration',
    default: '2weeks',
    help: 'How long the registry remembers unreachable and gone agents.',
  },
  {
    name: 'registry_max_agent_count',
    type: 'int',
    default: '102400',
    help: 'How many unreachable and gone agents the registry remembers.',
    schema: { minimum: 0 },
  },

  // Agents.
  {
    name: 'agent_reregister_timeout',
    aliases: ['slave_reregister_timeout'],
    type: 'duration',
    default: '10mins',
    help: 'Time agents have to re-register after a master failover before being marked unreachable (at least 10mins).',
    schema: { minimum: 600 },
  },
  {
    name: 'agent_ping_timeout',
    aliases: ['slave_ping_timeout'],
    type: 'duration',
    default: '15secs',
    help: 'Time an agent has to answer a health ping (1secs to 15mins).',
    schema: { minimum: 1, maximum: 900 },
  },
  {
    name: 'max_agent_ping_timeouts',
    aliases: ['max_slave_ping_timeouts'],
    type: 'int',
    default: '5',
    help: 'Missed pings after which an agent is marked unreachable.',
    schema: { minimum: 1 },
  },
  {
    name: 'agent_removal_rate_limit',
    aliases: ['slave_removal_rate_limit'],
    type: 'string',
    help: 'Maximum rate at which unhealthy agents are removed, as <agents>/<duration> (e.g. 1/10mins).',
    defaultHelp: 'no limit',
    schema: {
      pattern: '^\\d+/(\\d+\\.?\\d*|\\.\\d+)(ns|us|ms|secs|mins|hrs|days|weeks)$',
      errorHint: "expected '<agents>/<duration>' such as '1/10mins'",
    },
    inert: 'agents that stop answering pings are marked unreachable without a rate limit',
  },
  {
    name: 'recovery_agent_removal_limit',
    aliases: ['recovery_slave_removal_limit'],
    type: 'string',
    default: '100%',
    help: 'After a failover, the largest share of agents that may be removed; beyond it the master fails over instead.',
    schema: { pattern: '^(\\d+\\.?\\d*|\\.\\d+)%$', errorHint: "expected a percentage such as '50%'" },
    inert: 'no limit applies to the agents removed after a failover',
  },
  {
    name: 'require_agent_domain',
    type: 'bool',
    default: 'false',
    help: 'Only accept agents that have a --domain.',
    inert: 'fault domains are not used',
  },
  {
    name: 'whitelist',
    type: 'path',
    help: 'File listing the agents (one per line) whose resources are offered; re-read when it changes.',
    inert: 'every registered agent is offered',
  },

  // Frameworks, offers and allocation.
  { name: 'cluster', type: 'string', help: 'Human-readable cluster name, shown in the web UI.' },
  {
    name: 'root_submissions',
    type: 'bool',
    default: 'true',
    help: 'Whether frameworks may run as root.',
    inert: 'frameworks may always run tasks as root',
  },
  { name: 'allocation_interval', type: 'duration', default: '1secs', help: 'Longest time allocations are batched for.' },
  {
    name: 'offer_timeout',
    type: 'duration',
    help: 'Rescind offers a framework holds longer than this.',
    defaultHelp: 'offers never time out',
  },
  {
    name: 'roles',
    type: 'string',
    help: 'Comma-separated list of the only roles frameworks may use.',
    defaultHelp: 'any role',
    deprecated: 'any role may be used when it is not set',
  },
  {
    name: 'weights',
    type: 'string',
    help: 'Role weights as role=weight,role=weight (prefer the /weights endpoint).',
    schema: {
      pattern: '^[^=,]+=(\\d+\\.?\\d*|\\.\\d+)(,[^=,]+=(\\d+\\.?\\d*|\\.\\d+))*$',
      errorHint: "expected 'role=weight,role=weight'",
    },
  },
  {
    name: 'role_sorter',
    aliases: ['user_sorter'],
    type: 'string',
    default: 'drf',
    help: 'Policy for sharing resources between roles.',
    schema: SORTERS,
    inert: 'the allocator always sorts roles by weighted DRF',
  },
  {
    name: 'framework_sorter',
    type: 'string',
    default: 'drf',
    help: "Policy for sharing a role's resources between its frameworks.",
    schema: SORTERS,
    inert: 'the allocator always sorts frameworks by DRF',
  },
  {
    name: 'allocator',
    type: 'string',
    default: 'hierarchical',
    help: 'Allocator implementation.',
    inert: 'the built-in DRF allocator is the only one',
  },
  {
    name: 'allocator_agent_recovery_factor',
    type: 'number',
    default: '0.8',
    help: 'Share of known agents that must re-register after a failover before offers resume.',
    schema: { minimum: 0, maximum: 1 },
    inert: 'offers resume right after a failover, as agents re-register',
  },
  {
    name: 'allocator_recovery_timeout',
    type: 'duration',
    default: '10mins',
    help: 'Longest wait after a failover before offers resume anyway.',
    inert: 'offers resume right after a failover, as agents re-register',
  },
  {
    name: 'min_allocatable_resources',
    type: 'string',
    default: 'cpus:0.01|mem:32',
    help: 'Smallest resources worth offering: sets joined by | (or), resources within a set by ; (and).',
  },
  {
    name: 'fair_sharing_excluded_resource_names',
    type: 'string',
    help: 'Comma-separated resource names (e.g. gpus) left out of fair sharing.',
    inert: 'every resource counts in the DRF shares',
  },
  {
    name: 'filter_gpu_resources',
    type: 'bool',
    default: 'true',
    help: 'Offer agents with GPUs only to frameworks with the GPU_RESOURCES capability.',
    inert: 'GPU resources are offered like any other, to every framework',
  },
  {
    name: 'max_completed_frameworks',
    type: 'int',
    default: '50',
    help: 'Completed frameworks kept in memory.',
    schema: { minimum: 0 },
  },
  {
    name: 'max_completed_tasks_per_framework',
    type: 'int',
    default: '1000',
    help: 'Completed tasks kept in memory per framework.',
    schema: { minimum: 0 },
  },
  {
    name: 'max_unreachable_tasks_per_framework',
    type: 'int',
    default: '1000',
    help: 'Unreachable tasks kept in memory per framework.',
    schema: { minimum: 0 },
  },
  {
    name: 'max_operator_event_stream_subscribers',
    type: 'int',
    default: '1000',
    help: 'Simultaneous operator API event stream subscribers; the oldest are dropped beyond it.',
    schema: { minimum: 0 },
  },
  {
    name: 'max_event_stream_buffer_size',
    type: 'bytes',
    default: '8MB',
    help: 'Bytes an event stream (a scheduler subscription, an agent link) may hold unsent; a peer that falls further behind is disconnected (it may subscribe again).',
    schema: { minimum: 65536 },
  },
  {
    name: 'publish_per_framework_metrics',
    type: 'bool',
    default: 'true',
    help: 'Publish detailed metrics for each active framework.',
    inert: 'no per-framework metrics are published but the --rate_limits counters',
  },
  {
    name: 'offer_constraints_re2_max_mem',
    type: 'bytes',
    default: '4KB',
    help: 'Memory limit of each regular expression in framework offer constraints.',
    inert: 'offer constraints are not supported',
  },
  {
    name: 'offer_constraints_re2_max_program_size',
    type: 'int',
    default: '100',
    help: 'Program size limit of each regular expression in framework offer constraints.',
    schema: { minimum: 0 },
    inert: 'offer constraints are not supported',
  },

  // Authentication and authorization.
  {
    name: 'authenticate_frameworks',
    aliases: ['authenticate'],
    type: 'bool',
    default: 'false',
    help: 'Only let authenticated frameworks subscribe; all use the v1 HTTP API here, so this is --authenticate_http_frameworks.',
  },
  {
    name: 'authenticate_agents',
    aliases: ['authenticate_slaves'],
    type: 'bool',
    default: 'false',
    help: 'Only let agents with a valid --credential register (HTTP Basic, --credentials); each re-registers only under its own id.',
  },
  {
    name: 'authenticate_http_readonly',
    type: 'bool',
    default: 'false',
    help: 'Require HTTP Basic credentials (--credentials) on read-only endpoints: state, metrics, files, the web UI (not /health, /version).',
  },
  {
    name: 'authenticate_http_readwrite',
    aliases: ['authenticate_http'],
    type: 'bool',
    default: 'false',
    help: 'Require HTTP Basic credentials (--credentials) on read-write endpoints: teardown, maintenance, quota, weights.',
  },
  {
    name: 'authenticate_http_frameworks',
    type: 'bool',
    default: 'false',
    help: 'Require HTTP Basic credentials (--credentials) from v1 API frameworks; needs --http_framework_authenticators=basic.',
  },
  {
    name: 'authentication_v0_timeout',
    type: 'duration',
    default: '15secs',
    help: 'Time a v0 (driver-based) framework or agent has to finish authenticating.',
    inert: 'there is no v0 (driver) protocol here: frameworks and agents authenticate on each HTTP request',
  },
  {
    name: 'credentials',
    type: 'path',
    help: 'File of accepted credentials: JSON {"credentials": [{"principal": ..., "secret": ...}]} or "principal secret" lines; mode 600.',
  },
  {
    name: 'acls',
    type: 'json',
    help: 'Authorization ACLs (Mesos format) as JSON, inline or file:///path; enforced by the local authorizer.',
    schema: { type: 'object' },
  },
  {
    name: 'authenticators',
    type: 'string',
    default: 'crammd5',
    help: 'Framework and agent authenticator; crammd5 (the default) and basic both mean HTTP Basic here.',
  },
  {
    name: 'authorizers',
    type: 'string',
    default: 'local',
    help: 'Authorizer; local (the only one built in) enforces --acls.',
  },
  {
    name: 'http_authenticators',
    type: 'string',
    default: 'basic',
    help: 'HTTP authenticator for authenticated endpoints; basic is the one built in.',
  },
  {
    name: 'http_framework_authenticators',
    type: 'string',
    help: 'HTTP authenticator for HTTP frameworks; basic, required with --authenticate_http_frameworks (as in Mesos).',
  },
  {
    name: 'rate_limits',
    type: 'json',
    help: 'Scheduler call rate limits as JSON, inline or file:///path: {"limits": [{"principal": "p", "qps": 50, "capacity": 1000}], "aggregate_default_qps": 100}.',
    schema: RATE_LIMITS_SCHEMA,
  },
  {
    name: 'firewall_rules',
    type: 'json',
    help: 'HTTP endpoints to disable, as JSON: {"disabled_endpoints": {"paths": [...]}}.',
    schema: { type: 'object' },
  },

  // Web UI, extensions, placement.
  {
    name: 'webui_dir',
    type: 'path',
    help: "Directory of a web UI to serve instead (e.g. Apache Mesos's src/webui); one not built here is served without a Content-Security-Policy.",
    defaultHelp: 'the web UI shipped with this build',
  },
  {
    name: 'domain',
    type: 'json',
    help: 'Fault domain of this master as JSON: {"fault_domain": {"region": {"name": ...}, "zone": {"name": ...}}}.',
    schema: { type: 'object', required: ['fault_domain'] },
    inert: 'fault domains are not reported or used',
  },
  { name: 'modules', type: 'json', help: 'Modules to load, as JSON, inline or file:///path.', schema: { type: 'object' } },
  { name: 'modules_dir', type: 'path', help: 'Directory of module manifest files (not with --modules).' },
  { name: 'hooks', type: 'string', help: 'Comma-separated hook modules to install.' },
  {
    name: 'memory_profiling',
    type: 'bool',
    default: 'false',
    help: 'Expose memory profiling endpoints (needs jemalloc in Apache Mesos).',
    inert: 'there is no jemalloc memory profiler in a Node.js binary',
  },
] as const satisfies readonly FlagDef[];

export type MasterFlags = FlagValues<typeof masterFlagDefs>;

/** Loads mesos-master flags: command line, then MESOS_* environment, then defaults. */
export function loadMasterFlags(opts: Omit<LoadOptions, 'prefix'>): Loaded<MasterFlags> {
  return loadFlags<MasterFlags>(masterFlagDefs, { ...opts, prefix: 'MESOS_' });
}
